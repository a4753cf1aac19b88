#include "backend/base/json_parse.h"

#include <cmath>

#include <boost/json/error.hpp>
#include <boost/json/parse.hpp>

namespace tracehub {
namespace {

// True when every number in `v` is finite. The parser's default depth limit (32) bounds the
// recursion.
bool all_finite(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::double_:
      return std::isfinite(v.get_double());
    case boost::json::kind::array:
      for (const auto& e : v.get_array())
        if (!all_finite(e)) return false;
      return true;
    case boost::json::kind::object:
      for (const auto& kv : v.get_object())
        if (!all_finite(kv.value())) return false;
      return true;
    default:
      return true;
  }
}

}  // namespace

boost::json::value parse_json(std::string_view text, boost::system::error_code& ec) {
  auto v = boost::json::parse(text, ec);
  if (ec) return nullptr;
  if (!all_finite(v)) {
    ec = boost::json::error::exponent_overflow;
    return nullptr;
  }
  return v;
}

}  // namespace tracehub
