// queue/copy_row.h — the COPY text row, the one form a log takes from ingest to Postgres
// (docs/PROTOCOL.md, "Queue entry"): columns `copy_columns`, tab-separated, \N for null,
// \\ \t \n \r escaped, newline-terminated. Ingest renders rows with append_row; the worker, the
// flush control and the dead-letter routes read them only through these functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <cstdint>

namespace tracehub::queue {

// The columns of a row, in order: the column list of every COPY into `logs`.
inline constexpr std::string_view copy_columns =
    "service, seq, level, message, request_id, ts, attrs";

// The text of a NULL column.
inline constexpr std::string_view null_column = "\\N";

// The columns the worker COPYs into `logs`: copy_columns, then ingested_at, the time the entry
// was queued (its `at`: queue/keys.h), the same for every row of the entry. It decides the
// partition a row goes to, so a redelivered entry meets its rows again (docs/PROTOCOL.md,
// "Retention"). The queue never carries it: the worker appends it (append_stored_rows).
inline constexpr std::string_view stored_columns =
    "service, seq, level, message, request_id, ts, attrs, ingested_at";

// The ingested_at column of an entry queued at `at_ms` (ms since the epoch), as timestamptz
// text: "2026-11-01 12:00:00.123+00".
std::string ingested_at_text(std::int64_t at_ms);

// Appends the rows of `rows` (newline-terminated COPY rows of copy_columns) to `out` as rows of
// stored_columns: each with a last column `ingested_at` (ingested_at_text; nothing to escape).
void append_stored_rows(std::string& out, std::string_view rows, std::string_view ingested_at);

// The queue row (copy_columns, no newline) inside one row of stored_columns.
std::string_view queue_row_of(std::string_view stored_row);

// Appends `s` to `out` escaped for one COPY text column: backslash, tab, newline and carriage
// return become \\, \t, \n, \r. Other bytes pass through (the input is valid UTF-8 without NUL).
inline void append_copy_text(std::string& out, std::string_view s) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char esc;
    switch (s[i]) {
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

// One log, column by column, as a row is rendered from it (views into the caller's data).
struct row {
  std::string_view service;
  std::int64_t seq = 0;
  std::string_view level;  // one of the levels ingest accepts: nothing to escape
  std::string_view message;
  std::optional<std::string_view> request_id;  // nullopt: NULL
  std::string_view ts;                         // timestamptz text, nothing to escape
  std::string_view attrs;                      // JSON text; empty: NULL
};

// Appends `r` to `out` as one newline-terminated row.
void append_row(std::string& out, const row& r);

// The seq (second column) of one row; 0 when the row has none.
std::int64_t row_seq(std::string_view row);

// Calls f(row) for each row of `rows`, each view including its trailing newline.
template <class F>
void for_each_row(std::string_view rows, F&& f) {
  while (!rows.empty()) {
    auto nl = rows.find('\n');
    auto row = rows.substr(0, nl == std::string_view::npos ? rows.size() : nl + 1);
    rows.remove_prefix(row.size());
    f(row);
  }
}

// One log as the real-time channel shows it (LogEntry, docs/PROTOCOL.md "Events"): the seven
// columns of a row, unescaped and owned.
struct log_entry {
  std::string service;
  std::int64_t seq = 0;
  std::string level;
  std::string message;
  std::optional<std::string> request_id;  // nullopt: NULL
  std::string ts;
  std::string attrs;  // JSON text; empty: NULL
};

// One COPY text row (without its trailing newline) as a log_entry; nullopt when it does not
// have the seven columns or its seq is not a decimal integer.
std::optional<log_entry> read_row(std::string_view row);

// The LogEntry JSON of `e` (attrs is inserted as the JSON text it is).
std::string log_entry_json(const log_entry& e);

// read_row then log_entry_json; nullopt when the row does not read.
std::optional<std::string> log_entry_json(std::string_view row);

// Appends to `out` the entries of the rows in `rows` (newline-terminated), at most `limit` in
// all (counting what `out` already holds). Returns how many were appended.
std::size_t append_log_entries(std::string_view rows, std::size_t limit,
                               std::vector<log_entry>& out);

}  // namespace tracehub::queue
