// keyspace/range.h — the member form of the ACK state's range sets (gaps:{svc}, lost:{svc},
// and the audit's audit-recheck:{svc}): "lo:hi", decimal, inclusive, scored by lo
// (docs/PROTOCOL.md, "Keyspace"). Lua scripts use the same codec from the prelude
// (keyspace/lua.h: range_member, parse_range).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tracehub::keyspace {

// "lo:hi".
std::string format_range(std::int64_t lo, std::int64_t hi);
// Inverse of format_range: two unsigned decimals, lo <= hi, nothing else; false (lo and hi
// unspecified) on anything malformed.
bool parse_range(std::string_view member, std::int64_t& lo, std::int64_t& hi);

}  // namespace tracehub::keyspace
