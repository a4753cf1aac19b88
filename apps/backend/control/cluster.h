// control/cluster.h — the controls every process carries out (docs/PROTOCOL.md, "Controls
// across processes"). A control received by any API process is published on the control
// channel (tracehub:control:<db>); every process (the sender too) hears it through its
// subscriber (redis/subscriber.h) and acts on its own parts, then answers on the list
// control:reply:<id> (expires after a minute). The sender waits for as many answers as PUBLISH
// reached subscribers, or the deadline.
//
//   census        answer with this process's worker ids (nothing else)
//   crash_worker  crash every worker of this process for durationMs; answer with their ids
//   pause         hold the queue and replay workers between transactions; answer with held
//                 (whether all were idle in time). A pause not followed by its resume within
//                 `hold_limit` (the sender died) ends by itself.
//   resume        release them; with cleared=true also forget this process's counters (reset)
//
// receive() is called on the subscriber's thread and returns at once: crash runs on the io
// thread (the supervisor's), pause and answers on the cluster's own thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json/object.hpp>

#include "backend/base/result.h"
#include "backend/redis/endpoint.h"
#include "backend/replay/replay_worker.h"
#include "backend/worker/supervisor.h"

namespace tracehub::control {

// The control channel of the database `db` (pub/sub is not per database).
inline std::string control_channel(int db) {
  return "tracehub:control:" + std::to_string(db);
}

struct cluster_parts {
  std::string origin;  // this process's id (app: host:pid:random)
  std::string host;
  std::int64_t pid = 0;
  worker::supervisor* workers = nullptr;  // null or empty: no queue workers here
  replay::replay_worker* replayer = nullptr;
  std::function<void()> clear_counters;  // the reset's local part
};

// One process's answer.
struct answer {
  std::string origin, host;
  std::int64_t pid = 0;
  std::vector<std::string> workers;  // census, crash_worker: its worker ids
  bool held = true;                  // pause: all idle in time
};

class cluster {
 public:
  cluster(boost::asio::io_context& io, redis::endpoint ep, cluster_parts parts,
          std::chrono::milliseconds hold_limit = std::chrono::seconds(60));
  ~cluster();
  cluster(const cluster&) = delete;
  cluster& operator=(const cluster&) = delete;

  void stop();  // joins its thread; the io_context must still run or be stopped

  // A message of the control channel (the subscriber's handler).
  void receive(std::string_view message);
  // This process's subscription is in place (the subscriber's on_subscribed): ask() waits up to
  // 5 s for it, so a control sent right after start-up reaches this process too.
  void subscribed() { subscribed_ = true; }

  // Sender side, blocking (a blocking pool): publishes `action` with `args` and collects the
  // answers of every process that heard it, until `wait` has passed.
  result<std::vector<answer>> ask(std::string_view action, boost::json::object args,
                                  std::chrono::milliseconds wait);

 private:
  void reply(const std::string& id, const answer& a);
  answer self() const;

  boost::asio::io_context& io_;
  redis::endpoint ep_;
  cluster_parts parts_;
  std::chrono::milliseconds hold_limit_;
  boost::asio::thread_pool own_{1};       // pauses and answers
  boost::asio::steady_timer hold_timer_;  // io thread
  std::string paused_by_;                 // id of the pause in force (io thread)
  std::atomic<std::int64_t> next_id_{1};
  std::atomic<bool> subscribed_{false};
};

}  // namespace tracehub::control
