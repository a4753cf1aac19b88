// queue/copy_row.h — the COPY text row, the one form a log takes from ingest to Postgres
// (docs/PROTOCOL.md, "Queue entry"): columns `copy_columns`, tab-separated, \N for null,
// \\ \t \n \r escaped, newline-terminated. Ingest renders rows; the worker, the flush control
// and the dead-letter routes read them only through these functions.
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

// One COPY text row (without its trailing newline) as LogEntry JSON; nullopt when it does not
// have the seven columns.
std::optional<std::string> log_entry_json(std::string_view row);

// Appends to `out` the LogEntry JSON of the rows in `rows` (newline-terminated), at most
// `limit` in all (counting what `out` already holds). Returns how many were appended.
std::size_t append_log_entries(std::string_view rows, std::size_t limit,
                               std::vector<std::string>& out);

}  // namespace tracehub::queue
