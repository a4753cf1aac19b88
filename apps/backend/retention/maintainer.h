// retention/maintainer.h — the background task that keeps `logs` partitioned ahead of time and
// removes the chunks past the retention period (retention/partitions.h).
//
// One thread with its own blocking Postgres connection. Every tick (half a chunk, between
// 250 ms and 10 s) it makes partitions up to now + ahead, then removes what has expired. Runs
// in every process that runs queue workers; several maintainers share the work safely (the
// calls serialise on advisory locks). It never blocks the workers: creating and detaching
// partitions take only SHARE UPDATE EXCLUSIVE on `logs`.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "backend/base/result.h"
#include "backend/pg/connection.h"
#include "backend/retention/partitions.h"
#include "backend/retention/policy.h"

namespace tracehub::retention {

class maintainer {
 public:
  maintainer(std::string database_url, policy p) : url_(std::move(database_url)), policy_(p) {}
  ~maintainer();
  maintainer(const maintainer&) = delete;
  maintainer& operator=(const maintainer&) = delete;

  // One tick now, on the calling thread (start-up: the partitions exist before the workers
  // start). Errors: Postgres unreachable or a statement failing (logged by the caller).
  status run_once();

  // Ticks on a thread of its own until stop(); failures are logged and retried next tick.
  void start();
  void stop();

  const policy& rules() const { return policy_; }

 private:
  std::string url_;
  policy policy_;
  std::optional<pg::connection> conn_;  // the thread's (or run_once's caller's)
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace tracehub::retention
