#include "backend/queue/copy_row.h"

#include <charconv>
#include <chrono>
#include <cstdio>

#include <algorithm>
#include <array>

#include "backend/base/json_text.h"

namespace tracehub::queue {

namespace {

// The byte a COPY escape \<e> stands for (\\ \t \n \r are the ones append_copy_text writes).
char unescape(char e) {
  return e == 't' ? '\t' : e == 'n' ? '\n' : e == 'r' ? '\r' : e;
}

// COPY text `s` unescaped.
std::string unescaped(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size()) c = unescape(s[++i]);
    out += c;
  }
  return out;
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

std::string ingested_at_text(std::int64_t at_ms) {
  using namespace std::chrono;
  sys_time<milliseconds> t{milliseconds{at_ms}};
  auto day_point = floor<days>(t);
  year_month_day ymd{day_point};
  hh_mm_ss<milliseconds> tod{t - day_point};
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02d:%02d:%02d.%03lld+00",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(tod.hours().count()),
                static_cast<int>(tod.minutes().count()), static_cast<int>(tod.seconds().count()),
                static_cast<long long>(tod.subseconds().count()));
  return buf;
}

void append_stored_rows(std::string& out, std::string_view rows, std::string_view ingested_at) {
  auto n = static_cast<std::size_t>(std::count(rows.begin(), rows.end(), '\n'));
  out.reserve(out.size() + rows.size() + (ingested_at.size() + 2) * (n + 1));
  while (!rows.empty()) {
    auto nl = rows.find('\n');
    auto row = rows.substr(0, nl);
    rows.remove_prefix(nl == std::string_view::npos ? rows.size() : nl + 1);
    out.append(row);
    out += '\t';
    out.append(ingested_at);
    out += '\n';
  }
}

std::string_view queue_row_of(std::string_view stored_row) {
  if (stored_row.ends_with('\n')) stored_row.remove_suffix(1);
  auto tab = stored_row.rfind('\t');
  return tab == std::string_view::npos ? stored_row : stored_row.substr(0, tab);
}

std::int64_t row_seq(std::string_view row) {
  auto tab = row.find('\t');
  std::int64_t seq = 0;
  if (tab != std::string_view::npos)
    std::from_chars(row.data() + tab + 1, row.data() + row.size(), seq);
  return seq;
}

std::optional<log_entry> read_row(std::string_view row) {
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
  log_entry e;
  auto [end, ec] = std::from_chars(seq.data(), seq.data() + seq.size(), e.seq);
  if (ec != std::errc{} || end != seq.data() + seq.size()) return std::nullopt;
  e.service = unescaped(service);
  e.level = unescaped(level);
  e.message = unescaped(message);
  if (request_id != null_column) e.request_id = unescaped(request_id);
  e.ts = unescaped(ts);
  if (attrs != null_column) e.attrs = unescaped(attrs);
  return e;
}

std::string log_entry_json(const log_entry& e) {
  std::string out;
  out.reserve(e.service.size() + e.message.size() + e.attrs.size() + e.ts.size() + 112);
  out += "{\"service\":";
  append_json_string(out, e.service);
  out += ",\"seq\":";
  out += std::to_string(e.seq);
  out += ",\"level\":";
  append_json_string(out, e.level);
  out += ",\"message\":";
  append_json_string(out, e.message);
  out += ",\"requestId\":";
  if (e.request_id) {
    append_json_string(out, *e.request_id);
  } else {
    out += "null";
  }
  out += ",\"ts\":";
  append_json_string(out, e.ts);
  out += ",\"attrs\":";
  out += e.attrs.empty() ? std::string_view("null") : std::string_view(e.attrs);
  out += '}';
  return out;
}

std::optional<std::string> log_entry_json(std::string_view row) {
  auto e = read_row(row);
  if (!e) return std::nullopt;
  return log_entry_json(*e);
}

std::size_t append_log_entries(std::string_view rows, std::size_t limit,
                               std::vector<log_entry>& out) {
  std::size_t appended = 0;
  while (!rows.empty() && out.size() < limit) {
    auto nl = rows.find('\n');
    auto row = rows.substr(0, nl);
    rows.remove_prefix(nl == std::string_view::npos ? rows.size() : nl + 1);
    if (auto e = read_row(row)) {
      out.push_back(std::move(*e));
      ++appended;
    }
  }
  return appended;
}

}  // namespace tracehub::queue
