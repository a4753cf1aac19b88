// ingest/copy_text.h — Postgres COPY text-format escaping.
#pragma once

#include <string>
#include <string_view>

namespace tracehub::ingest {

// Appends `s` to `out` escaped for one COPY text column: backslash, tab, newline and carriage
// return become \\, \t, \n, \r. Other bytes pass through (the input is valid UTF-8 without NUL).
inline void append_copy_text(std::string& out, std::string_view s) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    char esc;
    switch (c) {
      case '\\':
        esc = '\\';
        break;
      case '\t':
        esc = 't';
        break;
      case '\n':
        esc = 'n';
        break;
      case '\r':
        esc = 'r';
        break;
      default:
        continue;
    }
    out.append(s, start, i - start);
    out += '\\';
    out += esc;
    start = i + 1;
  }
  out.append(s, start, s.size() - start);
}

}  // namespace tracehub::ingest
