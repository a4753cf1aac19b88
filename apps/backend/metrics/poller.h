// metrics/poller.h — the state SystemMetrics reads from Redis and Postgres, refreshed by one
// thread every `interval` (never by a request or a snapshot: those read the last copy).
//
// Redis (one pipelined round trip, then one per service): queue lengths and pending
// entries, worker heartbeats, the services set, each service's ACK state, first gaps and
// producer buffer depth, and the other processes' metrics shares. Postgres: replay requests by
// service and status (pending: all; completed and failed: created in the last hour), lost seqs by
// service. A store that does not answer is reported "down" and its last figures are kept.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "backend/queue/seq_range.h"
#include "backend/redis/endpoint.h"
#include "backend/redis/sync_connection.h"

namespace tracehub::metrics {

struct replay_counts {
  std::int64_t pending = 0, completed = 0, failed = 0;
};

struct service_state {
  std::string service;
  std::int64_t ack_till = 0, contiguous_till = 0, missing = 0;
  std::int64_t last_ack_at = 0;    // epoch ms; 0: never
  std::int64_t buffer_depth = -1;  // producer buffer entries; -1: unknown
  bool buffer_full = false;        // the producer stopped producing (its --max-buffer)
  std::int64_t held_back = 0;      // logs it did not produce meanwhile
  // Batches refused because their producer id did not own their seqs (docs/PROTOCOL.md,
  // "Producer ids"): a producer that restarted its counter, or two producers on one service.
  std::int64_t sequence_reused = 0;
  std::vector<queue::seq_range> gaps;  // the first missing ranges (at most 20)
  replay_counts replays;
  std::int64_t lost = 0;  // seqs reported lost
  // dead_letters of the service: unresolved (reported), and recorded ever (since a reset)
  std::int64_t dead_letters = 0, dead_letters_total = 0;
};

struct system_state {
  bool redis_up = false, postgres_up = false;
  std::int64_t polled_at = 0;  // epoch ms of the last Redis poll that answered
  std::int64_t queue_logs = 0, queue_retry = 0, queue_pending = 0;
  std::map<std::string, std::int64_t> heartbeats;  // consumer -> epoch ms
  std::vector<service_state> services;             // by name
  replay_counts replays;
  std::int64_t lost = 0;
  std::int64_t dead_letters = 0;  // unresolved, all services
  // The shares (metrics/share.h) of the other processes, as read: JSON text each.
  std::vector<std::string> processes;
};

class poller {
 public:
  poller(std::string database_url, redis::endpoint redis,
         std::chrono::milliseconds interval = std::chrono::milliseconds(1000));
  ~poller();
  poller(const poller&) = delete;
  poller& operator=(const poller&) = delete;

  void start();
  void stop();
  // Polls once more now, on the caller's thread (after a reset, so the next snapshot is fresh).
  void poll_now();

  system_state read() const;

  // From now on each poll also writes this process's share (`local()`, metrics/share.h) under
  // metrics:proc:<origin> and reads every other process's. Any thread.
  void share(std::string origin, std::function<std::string()> local);

 private:
  struct connections;
  void poll(connections& c);
  void exchange_shares(redis::sync_connection& r, system_state& next);

  std::string database_url_;
  redis::endpoint redis_;
  std::chrono::milliseconds interval_;
  mutable std::mutex mutex_;  // guards state_
  system_state state_;
  std::mutex poll_mutex_;  // one poll at a time (thread or poll_now)
  std::unique_ptr<connections> conns_;
  std::string origin_;                  // guarded by mutex_
  std::function<std::string()> local_;  // guarded by mutex_
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace tracehub::metrics
