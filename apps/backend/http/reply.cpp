#include "backend/http/reply.h"

#include <boost/json.hpp>

#include "backend/base/json_parse.h"

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

std::variant<boost::json::object, reply> json_object_body(std::string_view body) {
  boost::system::error_code ec;
  auto v = parse_json(body, ec);
  if (ec || !v.is_object())
    return json_error(400, "malformed_json",
                      "the body must be a JSON object" + (ec ? " (" + ec.message() + ")" : ""));
  return std::move(v.as_object());
}

}  // namespace tracehub::http
