// base/percent.h — percent-decoding (RFC 3986), the one copy behind URL paths, query strings
// and the userinfo of Redis and Postgres URLs.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tracehub {

// The value of one hex digit, -1 for any other character.
int hex_digit(char c);

struct percent_options {
  bool plus_is_space = false;  // form encoding (query strings): '+' is ' '
  bool lenient = false;        // a broken escape stays as it is instead of failing
};

// `s` with each %XX replaced by its byte; nullopt for a broken escape ('%' not followed by two
// hex digits) unless `lenient`.
std::optional<std::string> percent_decode(std::string_view s, percent_options o = {});

}  // namespace tracehub
