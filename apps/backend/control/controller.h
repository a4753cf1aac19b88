// control/controller.h — POST /metrics/control: the five faults (docs/PROTOCOL.md, "Controls"), and
// GET /sim-events, the record of every one applied.
//
//   crash_worker  every worker of every process dies mid-flight; back after durationMs (5 s)
//   drop_network  `share` (0.3) of /ingest requests lost on the way in for durationMs (10 s)
//   delay_ack     every ACK held back delayMs (3 s) for durationMs (15 s)
//   flush_queue   queue:logs and queue:retry purged; purged seqs become `flush` replays
//   reset         all state cleared; producers start again at seq 1
// Each acts on the whole system, whichever API process receives it: drop_network and
// delay_ack through the Redis switchboard (faults/network.h), crash_worker, and the pause and
// resume around flush_queue and reset, through the control channel (control/cluster.h).
// A second action of a kind replaces the first's window. Each applied action is recorded in
// sim_events, broadcast as `sim:control`, and answered 200 {"event": {...}}. Bad input
// (unknown action or field, bad number) is a 400 that applies nothing. Admin only: the route is
// installed with http::admin_only (http/admin.h).
// The handlers run on the io thread; flush, reset and Postgres work go to the blocking pool.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <boost/json/object.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include "backend/control/cluster.h"
#include "backend/events/bus.h"
#include "backend/faults/network.h"
#include "backend/http/reply.h"
#include "backend/metrics/metrics.h"
#include "backend/metrics/poller.h"
#include "backend/query/database.h"
#include "backend/redis/endpoint.h"
#include "backend/replay/replay_worker.h"

namespace tracehub::control {

struct options {
  std::string database_url;  // flush and reset: their own connection (no statement timeout)
  query::database db;        // recording and listing sim_events: the query routes' pool
  redis::endpoint redis;
  std::chrono::milliseconds crash_down{5'000};
  std::chrono::milliseconds drop_for{10'000};
  double drop_share = 0.3;
  std::chrono::milliseconds delay_for{15'000};
  std::chrono::milliseconds ack_delay{3'000};
  // How long ingest keeps refusing after a reset cleared the state (producers notice it).
  std::chrono::milliseconds reset_grace{2'000};
};

// What the controls act on: the system-wide switchboard and control channel (a crash_worker
// that finds no worker in any process is a 409), the poller to refresh after a reset, the bus
// for sim:control.
struct targets {
  std::shared_ptr<faults::network> network;
  std::shared_ptr<control::cluster> cluster;
  std::shared_ptr<metrics::poller> poller;
  std::shared_ptr<events::bus> bus;
};

class controller : public std::enable_shared_from_this<controller> {
 public:
  controller(boost::asio::thread_pool& pool, options opts, targets t);

  boost::asio::awaitable<http::reply> apply(http::request& req);        // POST /metrics/control
  boost::asio::awaitable<http::reply> list_events(http::request& req);  // GET /sim-events

  // The faults active now, for SystemMetrics. Any thread.
  std::vector<metrics::fault_view> active() const;

 private:
  struct command;
  boost::asio::awaitable<http::reply> run(command c);
  boost::asio::awaitable<http::reply> run_timed(
      command c);                                           // crash_worker, drop_network, delay_ack
  boost::asio::awaitable<http::reply> run_once(command c);  // flush_queue, reset
  boost::json::object params_of(const command& c) const;
  boost::asio::awaitable<http::reply> run_crash(command c);
  http::reply crash_everywhere(const command& c);  // blocking
  boost::asio::awaitable<std::variant<boost::json::object, http::reply>> flush();
  boost::asio::awaitable<std::variant<boost::json::object, http::reply>> reset();
  http::reply announce(const std::string& action, const std::string& params,
                       std::optional<std::int64_t> until, std::int64_t id, std::int64_t ts);

  boost::asio::thread_pool& pool_;
  options opts_;
  targets t_;
};

// Route adapters (the router stores copyable handlers).
struct control_handler {
  std::shared_ptr<controller> c;
  boost::asio::awaitable<http::reply> operator()(http::request& req) { return c->apply(req); }
};
struct sim_events_handler {
  std::shared_ptr<controller> c;
  boost::asio::awaitable<http::reply> operator()(http::request& req) { return c->list_events(req); }
};

}  // namespace tracehub::control
