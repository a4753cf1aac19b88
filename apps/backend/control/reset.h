// control/reset.h — the reset fault (docs/PROTOCOL.md, "Controls"): clear all state so the
// simulators start again at seq 1.
//
// Order, so that no batch and no row straddles the reset:
//   1. ingest:paused is set: every ACK step refuses (503, retry) from now on;
//   2. the caller has paused this process's queue and replay workers between transactions;
//   3. one Redis script deletes the queues (and re-creates their consumer group), every
//      service's ACK state, gaps, lost ranges, producer buffer, seq counter and producer
//      state, and the services set; it leaves ingest:paused set for `grace` more, so a
//      producer learns its counter went back before any batch of its old numbering can land;
//   4. the Postgres tables are truncated.
// Blocking: run it on a blocking pool.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "backend/base/result.h"
#include "backend/redis/endpoint.h"

namespace tracehub::control {

struct reset_outcome {
  std::int64_t redis_keys = 0;  // keys deleted
};

// Step 1 (with a safety expiry, should the process die before step 3).
status pause_ingest(const redis::endpoint& redis, std::chrono::milliseconds limit);
// Steps 3 and 4.
result<reset_outcome> clear_state(const std::string& database_url, const redis::endpoint& redis,
                                  std::chrono::milliseconds grace);

}  // namespace tracehub::control
