// events/bridge.h — carries events between processes (docs/PROTOCOL.md, "Events across
// processes"). Every event published on this process's bus goes once to Redis, on the events
// channel (events/wire.h), tagged with this process's origin id; every message heard on the
// channel (redis/subscriber.h feeds receive()) whose origin is another process is delivered to
// `deliver` (the hub) once. A process's own events reach its hub through the bus directly,
// never back through Redis: each event reaches each client exactly once, and a Redis outage
// costs only the other processes' events.
//
// publish() (any thread) only queues: a thread of the bridge sends the queue in batches of up
// to max_batch events per PUBLISH. The queue holds at most max_pending events; past that, and
// while Redis is unreachable, the oldest are dropped and counted (the channel is for
// watching; the tables are the record).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "backend/events/event.h"
#include "backend/redis/endpoint.h"

namespace tracehub::events {

struct bridge_options {
  redis::endpoint redis;
  std::string origin;  // this process's id: unique among the processes sharing the channel
  std::size_t max_pending = 20'000;
  std::size_t max_batch = 256;
};

struct bridge_counters {
  std::int64_t published = 0;  // events sent to Redis
  std::int64_t received = 0;   // events of other processes delivered
  std::int64_t own = 0;        // events heard back from this process (not delivered again)
  std::int64_t dropped = 0;    // events not sent (queue full, Redis unreachable)
  std::int64_t bad = 0;        // messages that did not decode
};

class bridge {
 public:
  using sink = std::function<void(const event_ptr&)>;

  bridge(bridge_options opts, sink deliver);
  ~bridge();
  bridge(const bridge&) = delete;
  bridge& operator=(const bridge&) = delete;

  void start();
  void stop();  // sends nothing more; joins the sender thread

  void publish(const event_ptr& e);
  void receive(std::string_view message);

  const std::string& origin() const { return opts_.origin; }
  bridge_counters counters() const;

 private:
  void send_loop();

  bridge_options opts_;
  sink deliver_;
  mutable std::mutex mutex_;  // guards queue_, stopping_
  std::condition_variable wake_;
  std::deque<event_ptr> queue_;
  bool stopping_ = false;
  std::thread sender_;
  std::atomic<std::int64_t> published_{0}, received_{0}, own_{0}, dropped_{0}, bad_{0};
};

}  // namespace tracehub::events
