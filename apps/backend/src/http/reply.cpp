#include "http/reply.h"

#include <boost/json.hpp>

namespace tracehub::http {

reply json_error(unsigned status, std::string_view code, std::string_view detail,
                 std::optional<std::size_t> index) {
  boost::json::object o;
  o["error"] = code;
  o["detail"] = detail;
  if (index) {
    o["index"] = *index;
  } else {
    o["index"] = nullptr;
  }
  return reply{status, boost::json::serialize(o)};
}

}  // namespace tracehub::http
