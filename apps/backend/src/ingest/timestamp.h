// ingest/timestamp.h — the two timestamp forms an entry's `ts` may take (SPEC §2.1).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tracehub::ingest {

// 9999-12-31T23:59:59.999Z, the last instant both forms and Postgres agree on.
inline constexpr std::int64_t max_epoch_ms = 253402300799999;

// True for RFC 3339 date-times: YYYY-MM-DD(T|t| )HH:MM:SS[.fraction](Z|z|+HH:MM|-HH:MM), with
// calendar-valid dates (leap years), hours 00-23, minutes 00-59, seconds 00-60, year >= 0001.
bool is_rfc3339(std::string_view s);

// Epoch milliseconds (0 .. max_epoch_ms) as "YYYY-MM-DDTHH:MM:SS.mmmZ".
std::string format_epoch_ms(std::int64_t ms);

}  // namespace tracehub::ingest
