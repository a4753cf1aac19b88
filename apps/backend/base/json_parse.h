// base/json_parse.h — the one JSON parse every module uses for text it did not write itself
// (request bodies, Socket.IO payloads, messages between processes).
#pragma once

#include <string_view>

#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>

namespace tracehub {

// `text` as a JSON value, like boost::json::parse, except that a number outside the range of a
// double fails with boost::json::error::exponent_overflow. Boost.JSON 1.81 accepts such numbers
// and hands back NaN for some of them (0E400) and infinity for others (1E400): NaN compares
// false against every bound, so a range check such as `share <= 0 || share > 1` lets it through,
// and Boost's serializer then writes `NaN`, which is not JSON. On failure `ec` is set and the
// returned value is null.
boost::json::value parse_json(std::string_view text, boost::system::error_code& ec);

}  // namespace tracehub
