// worker/worker.h — queue:logs -> Postgres, exactly once (docs/PROTOCOL.md, "Queue entry").
//
// A worker is one thread with its own blocking Redis and Postgres connections (it may block:
// it is nobody's event loop). It reads batch entries from queue:logs through the consumer
// group `workers`, writes the rows of up to `read_count` entries with one COPY in one
// transaction (together with the replay requests and ACK state those entries carry), and
// only after COMMIT acknowledges and deletes the entries. While it writes one group it reads the
// next (worker/prefetch.h). Hence:
//   - killed before COMMIT: the entries are still pending for this consumer; a restarted
//     worker with the same consumer name reads them first, and any other worker claims them
//     after `claim_idle`;
//   - killed after COMMIT, before XACK: the entries come back, each row goes to the partition
//     of its entry's `at` again, the COPY hits that partition's unique key (service, seq), and
//     the batch is re-applied with ON CONFLICT DO NOTHING: nothing twice;
//   - Postgres down: the entries move to queue:retry (atomically with their XACK) and are
//     retried with exponential back-off; nothing is dropped.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "backend/base/pause_gate.h"
#include "backend/events/bus.h"
#include "backend/redis/endpoint.h"
#include "backend/retention/policy.h"
#include "backend/stats/recorder.h"
#include "backend/worker/probe.h"

namespace tracehub::worker {

struct options {
  std::string database_url;
  redis::endpoint redis;
  // This worker's name in the consumer group. Keep it stable across restarts so a restarted
  // worker resumes its own unacknowledged entries at once.
  std::string consumer = "worker-1";
  std::size_t read_count = 64;  // stream entries (batches) per transaction
  std::chrono::milliseconds block{500};
  std::chrono::milliseconds claim_idle{30'000};
  std::chrono::milliseconds backoff_min{100};
  std::chrono::milliseconds backoff_max{5'000};
  // The partition width (retention/policy.h), for an entry newer than every partition.
  retention::policy partitions = retention::make_policy(retention::seconds(0));
  // Where stored rows are announced as `log:new` (LogEntry JSON), after COMMIT and XACK, at
  // most 200 per transaction (a sample when the stream is fast). May be null.
  std::shared_ptr<events::bus> events;
  // Rows inserted are counted here (insert EPS). May be null.
  std::shared_ptr<stats::recorder> stats;
  // Test hook: die (SIGKILL) right after a COMMIT, before the entries are acknowledged.
  bool test_crash_after_commit = false;
};

class worker {
 public:
  worker(options opts, std::shared_ptr<probe> probe);
  ~worker();
  worker(const worker&) = delete;
  worker& operator=(const worker&) = delete;

  // Starts the thread. It connects (and reconnects) by itself; start() does not wait. After
  // a crash, start() starts a new thread under the same consumer name (joining the old one).
  void start();
  // Asks the thread to finish its current transaction and joins it.
  void stop();

  // The crash_worker fault: the thread dies at its next step, as a killed process would —
  // if it has just read entries, before writing them, so they stay pending in the consumer
  // group; its connections are dropped without a goodbye. Returns at once; running() turns
  // false when the thread is gone.
  void crash();
  bool running() const { return running_; }

  // Holds the thread between transactions (the reset control) and waits, up to `limit`, for
  // it to be idle; true when it is (or not running). resume() lets it go on.
  bool pause(std::chrono::milliseconds limit);
  void resume();

  const std::string& consumer() const { return opts_.consumer; }

 private:
  void run();

  options opts_;
  std::shared_ptr<probe> probe_;
  std::atomic<bool> stopping_{false}, crashing_{false}, running_{false};
  pause_gate gate_;
  std::thread thread_;
};

}  // namespace tracehub::worker
