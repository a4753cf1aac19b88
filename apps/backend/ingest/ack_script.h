// ingest/ack_script.h — the atomic ACK step (see the script in ack_script.cpp for the algorithm and
// the keys it touches) and the decoding of its reply.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "backend/base/result.h"
#include "backend/queue/seq_range.h"
#include "backend/redis/reply.h"
#include "backend/redis/script.h"

namespace tracehub::ingest {

// The script, loaded once per process.
const redis::script& ack_script();

struct parsed_batch;

// Back-pressure, checked inside the script (so it holds across backend instances): while the
// queue streams hold this many entries of queue:logs or this many bytes in all (queue:logs +
// queue:retry, as Redis' MEMORY USAGE counts them), a batch is refused with queue_full.
struct queue_budget {
  std::int64_t max_entries = 50'000;
  std::int64_t max_bytes = std::int64_t{1} << 30;
};

// The script's KEYS and ARGV for `batch` (whose rows are moved out).
std::vector<std::string> ack_keys(const std::string& service);
std::vector<std::string> ack_args(parsed_batch& batch, std::int64_t max_gap,
                                  const queue_budget& budget, std::int64_t missing_limit,
                                  std::int64_t now_ms);

// What the script decided for one batch.
struct ack_outcome {
  std::string batch_id;
  std::int64_t ack_till = 0;
  std::int64_t contiguous_till = 0;
  std::int64_t missing_total = 0;
  std::int64_t accepted = 0;
  std::int64_t duplicates = 0;  // already held before this batch
  std::vector<queue::seq_range> new_gaps;
  std::vector<queue::seq_range> missing;  // first ranges, covering >= the listing limit
};

// The script's refusals; the state is unchanged after either.
struct gap_too_large {
  std::int64_t ack_till;
};
// Also Redis itself refusing the script at its maxmemory (length and bytes -1).
struct queue_full {
  std::int64_t length;  // entries of queue:logs
  std::int64_t bytes;   // of both streams
};
// A `reset` is clearing the state (ingest:paused is set): retry after `ms_left`.
struct paused {
  std::int64_t ms_left;
};
// The batch carries a producer id that does not own the seqs it sends (docs/PROTOCOL.md,
// "Producer ids"): another producer's, or its own from before it took the space over.
struct seq_reused {
  std::int64_t ack_till;
  std::int64_t floor;  // the batch's producer id may send only seqs above it
};
using ack_decision = std::variant<ack_outcome, gap_too_large, queue_full, paused, seq_reused>;

// Decodes a script reply. errc::protocol if it has an unexpected shape.
result<ack_decision> decode_ack(redis::reply_view r);

}  // namespace tracehub::ingest
