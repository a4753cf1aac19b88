// queue/copy_binary.h — the queue's COPY text row (queue/copy_row.h) as a tuple of PostgreSQL's
// binary COPY format (docs/PROTOCOL.md, "Queue entry": binary COPY). The one converter from the
// row this module owns to `COPY ... FROM STDIN (FORMAT binary)`: the worker and the benchmark's
// binary baseline both go through it, so no one else reads the text row to build tuples.
//
// Columns (copy_columns, then optionally ingested_at), each as its binary send form:
//   service, level, message, request_id  text: the unescaped bytes
//   seq                                  bigint: 8 bytes, big-endian
//   ts, ingested_at                      timestamptz: microseconds since 2000-01-01 00:00 UTC,
//                                        8 bytes big-endian
//   attrs                                jsonb: version byte 1, then the JSON text
// \N (a whole column) is NULL: length -1. Postgres still checks every value (UTF-8, JSON, NOT
// NULL, constraints); this only refuses rows that are not of the queue's form.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tracehub::queue {

// The 19 bytes a binary COPY stream starts with: signature, flags 0, no header extension.
void append_binary_header(std::string& out);

// The two bytes that end a binary COPY stream (a field count of -1).
void append_binary_trailer(std::string& out);

// Appends one queue row (copy_columns, with or without its trailing newline) to `out` as one
// binary tuple: 7 fields, or 8 when `ingested_at_ms` (ms since the Unix epoch) is given.
// Returns nullptr on success; otherwise what is wrong with the row (a static string), and
// `out` is left as it was. Refused: not exactly seven tab-separated columns, a backslash escape
// other than \\ \t \n \r (or a lone backslash at the end), a raw carriage return, a seq that is
// not a decimal int64, a ts not of the form ingest renders (YYYY-MM-DDTHH:MM:SS[.f{1,6}]Z, a
// valid date in years 1..9999), an ingested_at outside those years.
const char* append_binary_row(std::string& out, std::string_view row,
                              std::optional<std::int64_t> ingested_at_ms);

// append_binary_row for every newline-terminated row of `rows`, stopping at the first refused
// one (its error is returned; `out` keeps the rows before it).
const char* append_binary_rows(std::string& out, std::string_view rows,
                               std::optional<std::int64_t> ingested_at_ms);

// Microseconds since 2000-01-01 00:00 UTC (timestamptz's binary form) of a ts as ingest renders
// it (see append_binary_row); nullopt when `ts` is not of that form.
std::optional<std::int64_t> ts_binary(std::string_view ts);

}  // namespace tracehub::queue
