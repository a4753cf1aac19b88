// replay/replay_worker.h — turns pending replay_requests into recovered rows or lost seqs
// (docs/PROTOCOL.md, "Replay").
//
// One thread with blocking Postgres and Redis connections. Every `poll` it locks the due
// pending requests (FOR UPDATE SKIP LOCKED, so several workers share them) and for each:
//   1. reads which seqs of its range are still missing (gaps:{svc}); none left: completed
//      (the producer closed the gap itself, or an earlier attempt did);
//   2. reads those seqs from the producer's buffer (buffer:{svc}) and feeds them through the
//      same atomic ACK step as POST /ingest, so they are queued exactly once and the ACK state
//      learns they arrived (a manual request re-reads its whole range; dedupe makes it safe);
//   3. what is still missing is retried with back-off; past `deadline` the request fails and
//      those seqs are moved from gaps:{svc} to lost:{svc} and recorded in lost_seqs.
// Completions are published as `replay:completed { service, count, latencyMs }` on the bus.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "backend/base/pause_gate.h"
#include "backend/events/bus.h"
#include "backend/ingest/ack_script.h"
#include "backend/ingest/batch_parser.h"
#include "backend/redis/endpoint.h"

namespace tracehub::replay {

struct options {
  std::string database_url;
  redis::endpoint redis;
  ingest::limits limits;
  ingest::queue_budget queue;
  std::chrono::milliseconds poll{250};
  std::chrono::milliseconds deadline{60'000};
  std::chrono::milliseconds backoff_min{250};
  std::chrono::milliseconds backoff_max{5'000};
  std::size_t claim_count = 32;
  std::size_t max_entries_per_attempt = 10'000;
};

class replay_worker {
 public:
  replay_worker(options opts, std::shared_ptr<events::bus> bus);
  ~replay_worker();
  replay_worker(const replay_worker&) = delete;
  replay_worker& operator=(const replay_worker&) = delete;

  void start();
  void stop();  // finishes the current pass, joins

  // Holds the thread between passes (the reset control); true when it is idle within
  // `limit`. Blocks: call it from a blocking pool. resume() lets it go on.
  bool pause(std::chrono::milliseconds limit);
  void resume();

 private:
  options opts_;
  std::shared_ptr<events::bus> bus_;
  std::atomic<bool> stopping_{false};
  pause_gate gate_;
  std::thread thread_;
};

}  // namespace tracehub::replay
