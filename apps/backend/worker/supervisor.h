// worker/supervisor.h — owns this process's queue workers and brings crashed ones back.
//
// crash() is the crash_worker fault: every worker dies mid-flight (worker::crash), the bus
// hears `worker:crashed {workerId, reason, ts}`, and after `down_for` each is started again
// under its consumer name — it first finishes the entries it had read — and the bus hears
// `worker:recovered {workerId, ts, downMs}`. A second crash() while workers are down
// replaces the timer. crash(), start() and stop() run on the io thread; states() may be
// called from any thread; pause()/resume() block and belong on a blocking pool.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "backend/events/bus.h"
#include "backend/worker/worker.h"

namespace tracehub::worker {

struct worker_state {
  std::string id;
  bool down = false;            // crashed and not yet restarted
  std::int64_t down_since = 0;  // epoch ms
  std::int64_t back_at = 0;     // epoch ms the restart is due
  int restarts = 0;
};

class supervisor {
 public:
  supervisor(boost::asio::io_context& io, std::shared_ptr<events::bus> bus);
  ~supervisor();

  void add(std::unique_ptr<worker> w);  // before start()
  void start();
  void stop();  // joins every worker

  // False when this process has no workers (role api): nothing to crash.
  bool crash(std::chrono::milliseconds down_for, const std::string& reason);

  // Holds every running worker between transactions; true when all are idle within `limit`.
  bool pause(std::chrono::milliseconds limit);
  void resume();

  std::vector<worker_state> states() const;
  std::size_t size() const { return workers_.size(); }

 private:
  void restart_due();

  std::shared_ptr<events::bus> bus_;
  std::vector<std::unique_ptr<worker>> workers_;
  boost::asio::steady_timer timer_;
  mutable std::mutex mutex_;  // guards states_
  std::vector<worker_state> states_;
};

}  // namespace tracehub::worker
