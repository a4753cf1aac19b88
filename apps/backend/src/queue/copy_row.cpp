#include "queue/copy_row.h"

#include <charconv>

#include <array>

#include "base/json_text.h"

namespace tracehub::queue {

namespace {

// The byte a COPY escape \<e> stands for (\\ \t \n \r are the ones append_copy_text writes).
char unescape(char e) {
  return e == 't' ? '\t' : e == 'n' ? '\n' : e == 'r' ? '\r' : e;
}

// Appends COPY text `s` unescaped and then JSON-escaped, as a quoted JSON string.
void append_copy_as_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size()) c = unescape(s[++i]);
    append_json_char(out, c);
  }
  out += '"';
}

// Appends COPY text `s` unescaped (attrs: JSON text already).
void append_unescaped(std::string& out, std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size()) c = unescape(s[++i]);
    out += c;
  }
}

}  // namespace

void append_row(std::string& out, const row& r) {
  append_copy_text(out, r.service);
  out += '\t';
  out += std::to_string(r.seq);
  out += '\t';
  out += r.level;
  out += '\t';
  append_copy_text(out, r.message);
  out += '\t';
  if (r.request_id) {
    append_copy_text(out, *r.request_id);
  } else {
    out += null_column;
  }
  out += '\t';
  out += r.ts;
  out += '\t';
  if (r.attrs.empty()) {
    out += null_column;
  } else {
    append_copy_text(out, r.attrs);
  }
  out += '\n';
}

std::int64_t row_seq(std::string_view row) {
  auto tab = row.find('\t');
  std::int64_t seq = 0;
  if (tab != std::string_view::npos)
    std::from_chars(row.data() + tab + 1, row.data() + row.size(), seq);
  return seq;
}

std::optional<std::string> log_entry_json(std::string_view row) {
  std::array<std::string_view, 7> col;
  std::size_t n = 0;
  while (n < col.size()) {
    auto tab = row.find('\t');
    col[n++] = row.substr(0, tab);
    if (tab == std::string_view::npos) break;
    row.remove_prefix(tab + 1);
  }
  if (n != col.size()) return std::nullopt;
  const auto& [service, seq, level, message, request_id, ts, attrs] = col;
  std::string out;
  out.reserve(row.size() + service.size() + message.size() + 96);
  out += "{\"service\":";
  append_copy_as_json_string(out, service);
  out += ",\"seq\":";
  out += seq;  // digits
  out += ",\"level\":";
  append_copy_as_json_string(out, level);
  out += ",\"message\":";
  append_copy_as_json_string(out, message);
  out += ",\"requestId\":";
  if (request_id == null_column) {
    out += "null";
  } else {
    append_copy_as_json_string(out, request_id);
  }
  out += ",\"ts\":";
  append_copy_as_json_string(out, ts);
  out += ",\"attrs\":";
  if (attrs == null_column) {
    out += "null";
  } else {
    append_unescaped(out, attrs);
  }
  out += '}';
  return out;
}

std::size_t append_log_entries(std::string_view rows, std::size_t limit,
                               std::vector<std::string>& out) {
  std::size_t appended = 0;
  while (!rows.empty() && out.size() < limit) {
    auto nl = rows.find('\n');
    auto row = rows.substr(0, nl);
    rows.remove_prefix(nl == std::string_view::npos ? rows.size() : nl + 1);
    if (auto json = log_entry_json(row)) {
      out.push_back(std::move(*json));
      ++appended;
    }
  }
  return appended;
}

}  // namespace tracehub::queue
