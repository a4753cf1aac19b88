// http/query.h — reading a request target's query string.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tracehub::http {

// The percent-decoded value of `name` in `target`'s query string ('+' is a space); nullopt
// when absent. The first occurrence wins.
std::optional<std::string> query_param(std::string_view target, std::string_view name);

}  // namespace tracehub::http
