// worker/stream.h — the worker's side of the queue streams (internal to worker/).
//
// Wraps one blocking Redis connection: reads entries through the consumer group, claims the
// entries of consumers that went quiet, acknowledges+deletes committed entries and moves
// failed ones to queue:retry. Every multi-step change is one MULTI or one script, so a crash
// between steps cannot lose or duplicate an entry.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "backend/base/result.h"
#include "backend/queue/entry.h"
#include "backend/redis/sync_connection.h"

namespace tracehub::worker {

using entry = queue::entry;

class stream {
 public:
  stream(redis::sync_connection conn, std::string consumer)
      : conn_(std::move(conn)), consumer_(std::move(consumer)) {}

  // Creates the consumer group on queue:logs and queue:retry if missing.
  status ensure_groups();

  // New entries of `key` (blocking up to `block`), or this consumer's own pending ones when
  // `own_pending` (those it read before a crash and never acknowledged).
  result<std::vector<entry>> read(std::string_view key, std::size_t count,
                                  std::chrono::milliseconds block, bool own_pending);

  // Takes over entries of `key` that other consumers left pending for at least `min_idle`.
  result<std::vector<entry>> claim(std::string_view key, std::size_t count,
                                   std::chrono::milliseconds min_idle);

  // XACK + XDEL of `entries` in `key`, in one MULTI.
  status ack(std::string_view key, const std::vector<entry>& entries);

  // Copies `entries` of queue:logs to queue:retry (attempts + 1) and acknowledges + deletes
  // them, in one script.
  status move_to_retry(const std::vector<entry>& entries);

  // Records this consumer's heartbeat (workers:heartbeat) at `now_ms`.
  status beat(std::int64_t now_ms);

  bool ok() const { return conn_.ok(); }

 private:
  redis::sync_connection conn_;
  std::string consumer_;
};

}  // namespace tracehub::worker
