// worker/log_event.h — stored rows as the real-time channel's log:new payloads (SPEC §4).
//
// The worker holds its rows only as COPY text (service, seq, level, message, request_id, ts,
// attrs; tab-separated, \N for null, \\ \t \n \r escaped). These functions turn such rows into
// LogEntry JSON {service, seq, level, message, requestId, ts, attrs} without a JSON library.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tracehub::worker {

// One COPY text row (without its trailing newline) as LogEntry JSON; nullopt when it does not
// have the seven columns.
std::optional<std::string> log_entry_json(std::string_view row);

// Appends to `out` the LogEntry JSON of the rows in `rows` (newline-terminated), at most
// `limit` in all (counting what `out` already holds). Returns how many were appended.
std::size_t append_log_entries(std::string_view rows, std::size_t limit,
                               std::vector<std::string>& out);

}  // namespace tracehub::worker
