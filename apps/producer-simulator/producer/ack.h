// producer/ack.h — reading an ACK (docs/PROTOCOL.md, "ACK") and deciding what it lets the producer
// forget.
//
// Pure functions: no I/O, any thread.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "backend/base/result.h"

namespace tracehub::producer {

struct seq_range {
  std::int64_t lo = 0, hi = 0;  // inclusive
  friend bool operator==(const seq_range&, const seq_range&) = default;
};

struct ack_summary {
  std::int64_t ack_till = 0;
  std::vector<std::int64_t> missing;  // ascending, as listed (at most the backend's limit)
  std::int64_t missing_total = 0;     // how many are missing in all (>= missing.size())
};

// Parses the 200 body. errc::bad_ack when ackTill is absent or not an integer, or missing is
// not an ascending list of integers <= ackTill.
result<ack_summary> parse_ack(std::string_view body);

// The ackTill of a 409 sequence_reused body (docs/PROTOCOL.md, "Producer ids"): the producer
// renumbers its logs after it. errc::bad_ack when the body is not one.
result<std::int64_t> parse_reused(std::string_view body);

// The seqs the producer may drop from its buffer: every seq <= ackTill not in `missing`. When
// the list is truncated (missingTotal > its length) a seq above the last listed one may be
// missing too, so nothing above it is dropped; when missingTotal > 0 and nothing is listed,
// nothing is. Ascending, disjoint ranges (the segments between missing seqs).
std::vector<seq_range> trimmable(const ack_summary& a);

}  // namespace tracehub::producer
