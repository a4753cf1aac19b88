// ingest/timestamp.h — the two forms an entry's `ts` may take, and the one form it is stored in
// (docs/PROTOCOL.md, "Ingest").
//
// Every accepted `ts` is converted to UTC microseconds here and rendered in one canonical form,
// so what reaches the `logs.ts` column is never an offset or a range Postgres could refuse
// (Postgres takes UTC offsets only up to ±15:59, RFC 3339 allows ±23:59).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tracehub::ingest {

// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z: the instants accepted, in UTC.
inline constexpr std::int64_t min_epoch_us = -62'135'596'800'000'000;
inline constexpr std::int64_t max_epoch_us = 253'402'300'799'999'999;
inline constexpr std::int64_t min_epoch_ms = min_epoch_us / 1000;
inline constexpr std::int64_t max_epoch_ms = max_epoch_us / 1000;

// Microseconds since the Unix epoch for an RFC 3339 date-time
// YYYY-MM-DD(T|t| )HH:MM:SS[.fraction](Z|z|+HH:MM|-HH:MM): calendar-valid dates (leap years),
// hours 00-23, minutes 00-59, seconds 00-60 (a leap second counts as the next minute's first, as
// Postgres reads it), 1-9 fraction digits (rounded half up to microseconds), offsets up to
// ±23:59. nullopt when `s` is not of that form or the instant, in UTC, lies outside
// [min_epoch_us, max_epoch_us].
std::optional<std::int64_t> parse_rfc3339_us(std::string_view s);

// `us` (within [min_epoch_us, max_epoch_us]) as "YYYY-MM-DDTHH:MM:SS.ffffffZ", the form every
// stored ts takes; parse_rfc3339_us reads it back to the same value.
std::string format_epoch_us(std::int64_t us);

}  // namespace tracehub::ingest
