// bench/event_watch.h — what crossing processes adds to an event's way to a Socket.IO client
// (docs/PROTOCOL.md, "Events across processes").
//
// One Socket.IO client (testing::socket_client, WebSocket) per backend process records when
// each `log:new` (service, seq) reaches it. A worker that commits a batch announces its rows on
// its own process's bus: the client of that process gets them directly, every other process's
// client through Redis pub/sub. So for one event, the earliest arrival at a client of a process
// that commits (role worker or all) is the in-process delivery, and
//     added = arrival at a client of an API process - that earliest arrival
// is what the crossing costs (the bridge's batching, PUBLISH, the subscriber, decoding), with
// both clients on one clock in this process. Each client passes at most 50 log:new a second
// (README, "Real-time channel"), so only the events that reached both sides are compared.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "backend/testing/socket_client.h"

namespace tracehub::bench {

using steady = std::chrono::steady_clock;

struct watched_process {
  unsigned short port = 0;
  bool commits = false;  // has queue workers (role worker or all)
};

class event_watch {
 public:
  // Connects one client to each process; throws std::runtime_error when one cannot join.
  explicit event_watch(const std::vector<watched_process>& processes);
  ~event_watch();
  event_watch(const event_watch&) = delete;
  event_watch& operator=(const event_watch&) = delete;

  // Milliseconds, ascending, of `added` (above) for every pair (event, client of a process that
  // does not commit) where the event's service passes `keep`. Empty when every process commits.
  std::vector<double> added_ms(const std::function<bool(const std::string&)>& keep) const;

  // When (service, seq) first reached a client of a committing process (`committing` true) or
  // of a process that does not commit; nullopt if it did not.
  std::optional<steady::time_point> first_arrival(const std::string& service, std::int64_t seq,
                                                  bool committing) const;

  std::int64_t events_seen() const;  // log:new frames, all clients

 private:
  struct arrival {
    std::string service;
    std::int64_t seq;
    steady::time_point at;
  };
  struct watcher {
    bool commits = false;
    mutable std::mutex mutex;  // guards arrivals
    std::vector<arrival> arrivals;
    std::unique_ptr<testing::socket_client> client;
  };
  std::vector<std::unique_ptr<watcher>> watchers_;
};

}  // namespace tracehub::bench
