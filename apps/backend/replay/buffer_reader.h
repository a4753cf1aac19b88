// replay/buffer_reader.h — the replay worker's Redis side (internal to replay/).
#pragma once

#include <string>
#include <vector>

#include "backend/base/result.h"
#include "backend/ingest/ack_script.h"
#include "backend/ingest/batch_parser.h"
#include "backend/queue/seq_range.h"
#include "backend/redis/sync_connection.h"

namespace tracehub::replay {

struct accept_outcome {
  std::int64_t accepted = 0;
  bool queue_full = false;  // nothing was done: try again later
};

class buffer_reader {
 public:
  buffer_reader(redis::sync_connection conn, ingest::limits limits, ingest::queue_budget budget)
      : conn_(std::move(conn)), parser_(limits), budget_(budget) {}

  // The parts of [lo, hi] still missing for `service` (from gaps:{svc}), ascending.
  result<std::vector<queue::seq_range>> still_missing(const std::string& service, std::int64_t lo,
                                                      std::int64_t hi);

  // The buffered entries (JSON) of `service` within `ranges`, at most `cap`, ascending.
  result<std::vector<std::string>> read(const std::string& service,
                                        const std::vector<queue::seq_range>& ranges,
                                        std::size_t cap);

  // Runs `entries` through the ACK step, as one batch of `service`.
  result<accept_outcome> accept(const std::string& service,
                                const std::vector<std::string>& entries);

  // Moves what is still missing of `ranges` from gaps:{svc} to lost:{svc} and returns exactly
  // the ranges moved.
  result<std::vector<queue::seq_range>> mark_lost(const std::string& service,
                                                  const std::vector<queue::seq_range>& ranges);

  bool ok() const { return conn_.ok(); }

 private:
  redis::sync_connection conn_;
  ingest::batch_parser parser_;
  ingest::queue_budget budget_;
};

}  // namespace tracehub::replay
