// base/json_text.h — JSON string escaping, the one copy every module and the simulator use
// when they write JSON text by hand (on paths where building a boost::json value would cost).
#pragma once

#include <string>
#include <string_view>

namespace tracehub {

// Appends `c` as it stands inside a JSON string: " \ and control characters escaped, every
// other byte (UTF-8 included) as is.
inline void append_json_char(std::string& out, char c) {
  static constexpr char hex[] = "0123456789abcdef";
  switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      if (static_cast<unsigned char>(c) < 0x20) {
        out += "\\u00";
        out += hex[(c >> 4) & 0xf];
        out += hex[c & 0xf];
      } else {
        out += c;
      }
  }
}

// Appends `s` as a quoted JSON string.
inline void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s)
    append_json_char(out, c);
  out += '"';
}

}  // namespace tracehub
