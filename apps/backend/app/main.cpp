// The backend binary: read config, apply migrations, build the modules, wire them, run.
// Start-up failures throw to here and end the process with one line and a non-zero status.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <functional>
#include <random>
#include <thread>

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>

#include "backend/app/config.h"
#include "backend/app/dashboard.h"
#include "backend/app/health.h"
#include "backend/audit/routes.h"
#include "backend/base/clock.h"
#include "backend/base/log.h"
#include "backend/control/controller.h"
#include "backend/deadletters/routes.h"
#include "backend/events/bridge.h"
#include "backend/events/wire.h"
#include "backend/http/admin.h"
#include "backend/http/guard.h"
#include "backend/http/producer_tokens.h"
#include "backend/http/server.h"
#include "backend/ingest/ingest.h"
#include "backend/metrics/metrics.h"
#include "backend/metrics/poller.h"
#include "backend/metrics/routes.h"
#include "backend/pg/connection.h"
#include "backend/pg/migrate.h"
#include "backend/pg/pool.h"
#include "backend/query/logs_handler.h"
#include "backend/realtime/hub.h"
#include "backend/redis/async_connection.h"
#include "backend/redis/subscriber.h"
#include "backend/replay/replay_worker.h"
#include "backend/replay/routes.h"
#include "backend/retention/maintainer.h"
#include "backend/stats/recorder.h"
#include "backend/worker/supervisor.h"
#include "backend/worker/worker.h"

namespace asio = boost::asio;
using namespace tracehub;

namespace {

// A function, not a module_logger object: at global scope that would clash with ::log(double).
spdlog::logger& log() {
  return module_logger<"app">{}();
}

// Waits for Postgres (it may still be starting) and applies the migrations.
void migrate(const std::string& url) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    auto c = pg::connection::open(url, std::chrono::seconds(3));
    if (c) {
      auto applied = pg::migrate(*c, pg::backend_migrations());
      if (!applied) throw std::runtime_error("migrations failed: " + c->last_error());
      if (*applied > 0) log().info("applied {} migrations", *applied);
      return;
    }
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("postgres unreachable: " + c.error().message());
    log().warn("waiting for postgres: {}", c.error().message());
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

// This process's id among all processes sharing the Redis (events/bridge.h, docs/PROTOCOL.md
// "Events across processes"): host, pid and a random part, so a restarted process on the
// same pid is another one.
std::string host_name() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return host[0] ? host : "host";
}

std::string process_id() {
  std::random_device rd;
  char tail[9];
  std::snprintf(tail, sizeof tail, "%08x", rd());
  return host_name() + ":" + std::to_string(::getpid()) + ":" + tail;
}

// What every module reports into: the event bus, the counters, the network faults and the
// Redis/Postgres poll (started here).
struct probes {
  std::shared_ptr<events::bus> bus;
  std::shared_ptr<stats::recorder> rates;
  std::shared_ptr<stats::ingest_probe> ingest;
  std::shared_ptr<worker::probe> worker;
  std::shared_ptr<realtime::probe> realtime;
  std::shared_ptr<faults::network> network;
  std::shared_ptr<metrics::poller> poller;
};

probes make_probes(const app::config& cfg, const redis::endpoint& ep) {
  probes p;
  p.bus = std::make_shared<events::bus>();
  p.bus->subscribe([](const events::event_ptr& e) {
    if (log().should_log(spdlog::level::debug)) log().debug("event {} {}", e->name, *e->payload);
  });
  p.rates = std::make_shared<stats::recorder>();
  p.ingest = std::make_shared<stats::ingest_probe>();
  p.worker = std::make_shared<worker::probe>();
  p.realtime = std::make_shared<realtime::probe>();
  p.network = std::make_shared<faults::network>(ep);
  if (cfg.test_drop_share > 0) p.network->pin_drop(cfg.test_drop_share);
  p.network->start();
  p.poller = std::make_shared<metrics::poller>(cfg.database_url, ep);
  p.poller->start();
  return p;
}

// This process's queue workers, under a supervisor (it restarts them after crash_worker), and
// the replay worker; none in role `api`.
void make_workers(const app::config& cfg, const redis::endpoint& ep, const probes& p,
                  worker::supervisor& workers, std::optional<replay::replay_worker>& replayer) {
  if (cfg.role == "api") return;
  for (int i = 1; i <= cfg.workers; ++i) {
    worker::options o;
    o.database_url = cfg.database_url;
    o.redis = ep;
    o.events = p.bus;
    o.stats = p.rates;
    o.consumer = cfg.consumer + "-" + std::to_string(i);
    o.claim_idle = std::chrono::milliseconds(cfg.claim_idle_ms);
    o.partitions = retention::make_policy(cfg.retention);
    o.test_crash_after_commit = cfg.test_crash_after_commit;
    workers.add(std::make_unique<worker::worker>(o, p.worker));
  }
  workers.start();
  replay::options ro;
  ro.database_url = cfg.database_url;
  ro.redis = ep;
  ro.limits = cfg.ingest.limits;
  ro.queue = cfg.ingest.queue;
  ro.deadline = std::chrono::milliseconds(cfg.replay_deadline_ms);
  replayer.emplace(ro, p.bus);
  replayer->start();
}

// The fault controls, the metrics collector, the admin policy and the Socket.IO hub (which
// the bus feeds). Members in construction order, so they are destroyed in reverse.
struct controls {
  std::shared_ptr<control::cluster> cluster;
  std::shared_ptr<control::controller> controller;
  std::shared_ptr<const metrics::collector> collector;
  std::shared_ptr<const http::admin_policy> admin;
  std::shared_ptr<realtime::hub> hub;
  // The events of other processes in, this process's out (started here, stopped by run()).
  std::shared_ptr<events::bridge> bridge;
  std::unique_ptr<redis::subscriber> channel;
};

controls make_controls(const app::config& cfg, const redis::endpoint& ep, asio::io_context& io,
                       asio::thread_pool& blocking, const query::database& db, const probes& p,
                       worker::supervisor& workers,
                       std::optional<replay::replay_worker>& replayer) {
  controls out;
  control::options co;
  co.database_url = cfg.database_url;
  co.redis = ep;
  co.db = db;
  control::cluster_parts parts;
  parts.origin = process_id();
  parts.host = host_name();
  parts.pid = ::getpid();
  parts.workers = &workers;
  parts.replayer = replayer ? &*replayer : nullptr;
  parts.clear_counters = [p] {
    p.rates->clear();
    p.ingest->reset();
    p.worker->reset();
  };
  out.cluster = std::make_shared<control::cluster>(io, ep, parts);
  control::targets ct;
  ct.network = p.network;
  ct.cluster = out.cluster;
  ct.poller = p.poller;
  ct.bus = p.bus;
  out.controller = std::make_shared<control::controller>(blocking, co, ct);

  metrics::sources ms;
  ms.rates = p.rates;
  ms.ingest = p.ingest;
  ms.worker = p.worker;
  ms.realtime = p.realtime;
  ms.state = p.poller;
  ms.local_workers = [&workers] { return workers.states(); };
  // Weak: the controller holds the bus, whose subscriber (the hub) holds this collector.
  ms.faults = [weak = std::weak_ptr<control::controller>(out.controller)] {
    auto c = weak.lock();
    return c ? c->active() : std::vector<metrics::fault_view>{};
  };
  ms.origin = parts.origin;
  ms.host = parts.host;
  ms.role = cfg.role;
  ms.pid = parts.pid;
  out.collector = std::make_shared<const metrics::collector>(ms);
  // SystemMetrics is the system's: each poll publishes this process's share (metrics/share.h).
  p.poller->share(parts.origin, [weak = std::weak_ptr<const metrics::collector>(out.collector)] {
    auto c = weak.lock();
    return c ? c->share_json() : std::string();
  });

  // Who may call the admin routes and open the Socket.IO channel (README "Security").
  http::admin_options ao;
  ao.token = cfg.admin_token;
  ao.hosts = cfg.public_hosts;
  ao.hosts.push_back(cfg.bind);
  ao.origins = cfg.allowed_origins;
  out.admin = std::make_shared<const http::admin_policy>(std::move(ao));

  realtime::options rto;
  rto.snapshot = [collector = out.collector] { return collector->system_metrics_json(); };
  rto.access = out.admin;
  rto.public_read = cfg.public_read;
  rto.max_clients = cfg.max_socket_clients;
  rto.ping_interval = std::chrono::milliseconds(cfg.socket_ping_interval_ms);
  rto.ping_timeout = std::chrono::milliseconds(cfg.socket_ping_timeout_ms);
  // Shared: worker threads publish through the bus until they are joined.
  out.hub = std::make_shared<realtime::hub>(io, rto, p.realtime);
  p.bus->subscribe([hub = out.hub](const events::event_ptr& e) { hub->broadcast(e); });

  // Every event crosses to the other processes; theirs come to this hub (events/bridge.h).
  out.bridge = std::make_shared<events::bridge>(
      events::bridge_options{ep, parts.origin},
      [hub = out.hub](const events::event_ptr& e) { hub->broadcast(e); });
  p.bus->subscribe([bridge = out.bridge](const events::event_ptr& e) { bridge->publish(e); });
  out.bridge->start();
  // One subscription per process: the events of the others, and the controls of all.
  auto events_channel = events::wire::channel(ep.db);
  out.channel = std::make_unique<redis::subscriber>(
      ep, std::vector<std::string>{events_channel, control::control_channel(ep.db)},
      [bridge = out.bridge, cluster = out.cluster, events_channel](std::string_view channel,
                                                                   std::string_view message) {
        if (channel == events_channel) {
          bridge->receive(message);
        } else {
          cluster->receive(message);
        }
      },
      [cluster = out.cluster] { cluster->subscribed(); });
  out.channel->start();
  log().info("process id {}", out.bridge->origin());
  return out;
}

// The audit of the ACK state against Postgres (audit/auditor.h): background rounds where the
// workers run, POST /audit on every process.
audit::options audit_options(const app::config& cfg, const redis::endpoint& ep) {
  audit::options o;
  o.database_url = cfg.database_url;
  o.redis = ep;
  o.interval = std::chrono::milliseconds(cfg.audit_interval_ms);
  return o;
}

// The Postgres connections the routes use: the query pool (one thread per connection,
// query/database.h) and /health's own connection and thread.
struct databases {
  asio::thread_pool& queries;
  query::database db;
  asio::thread_pool& health_thread;
  std::shared_ptr<pg::pool> health_db;
};

// Every HTTP route of this process (no /ingest in role `worker`).
std::shared_ptr<http::router> make_routes(const app::config& cfg, const redis::endpoint& ep,
                                          std::shared_ptr<redis::async_connection> redis,
                                          const databases& d, const probes& p, const controls& c,
                                          asio::thread_pool& blocking) {
  const auto& db = d.db;
  const auto& admin = c.admin;
  const auto& collector = c.collector;
  const auto& controller = c.controller;
  auto routes = std::make_shared<http::router>();
  if (cfg.role != "worker") {
    // The handler owns a reusable parser (not copyable); the route holds it by pointer.
    auto ingest = std::make_shared<ingest::ingest_handler>(redis, cfg.ingest, p.ingest, p.network,
                                                           p.bus, p.rates);
    routes->add(
        boost::beast::http::verb::post, "/ingest",
        [ingest](http::request& req) { return (*ingest)(req); },
        http::ingest_guard(std::make_shared<const http::producer_tokens>(cfg.ingest_tokens)));
  }
  routes->add(boost::beast::http::verb::get, "/health",
              app::health_handler(redis, d.health_db, d.health_thread));
  routes->add(boost::beast::http::verb::post, "/replay", replay::manual_replay_handler({db}),
              http::admin_only(admin));
  routes->add(boost::beast::http::verb::get, "/replays", replay::list_replays_handler(db));
  routes->add(boost::beast::http::verb::get, "/lost", replay::list_lost_handler(db));
  routes->add(boost::beast::http::verb::get, "/lost/summary", replay::lost_summary_handler(db));
  deadletters::routes_options dlo{db, ep};
  routes->add(boost::beast::http::verb::get, "/dead-letters", deadletters::list_handler(dlo));
  routes->add(boost::beast::http::verb::post, "/dead-letters/retry",
              deadletters::retry_handler(dlo), http::admin_only(admin));
  routes->add(boost::beast::http::verb::post, "/audit",
              audit::audit_handler(audit_options(cfg, ep), blocking), http::admin_only(admin));
  routes->add(boost::beast::http::verb::get, "/logs", query::logs_handler(db, cfg.retention));
  routes->add(boost::beast::http::verb::get, "/metrics", metrics::metrics_handler(collector));
  routes->add(boost::beast::http::verb::get, "/metrics/prometheus",
              metrics::prometheus_handler(collector));
  routes->add(boost::beast::http::verb::get, "/services", metrics::services_handler(collector));
  routes->add(boost::beast::http::verb::post, "/metrics/control",
              control::control_handler{controller}, http::admin_only(admin));
  routes->add(boost::beast::http::verb::get, "/auth",
              http::auth_status_handler(admin, cfg.public_read));
  routes->add(boost::beast::http::verb::get, "/sim-events",
              control::sim_events_handler{controller});
  // Socket.IO's polling transport; WebSocket upgrades come through serve()'s on_upgrade hook.
  auto poll = [hub = c.hub](http::request& req) { return hub->poll(req); };
  routes->add(boost::beast::http::verb::get, "/socket.io/", poll, c.hub->polling_guard());
  routes->add(boost::beast::http::verb::post, "/socket.io/", poll, c.hub->polling_guard());
  return routes;
}

// Listens on the API port (and the dashboard port), runs the io loop until SIGINT/SIGTERM,
// then calls `stopped` — the servers are still alive then, and go after it.
void serve(asio::io_context& io, const app::config& cfg, std::shared_ptr<http::router> routes,
           std::shared_ptr<realtime::hub> hub, redis::async_connection& redis, std::size_t workers,
           const std::function<void()>& stopped) {
  http::server_options so;
  so.bind = cfg.bind;
  so.port = cfg.http_port;
  so.body_limit = cfg.ingest.limits.max_body_bytes;
  so.write_timeout = std::chrono::milliseconds(cfg.write_timeout_ms);
  so.idle_timeout = std::chrono::milliseconds(cfg.idle_timeout_ms);
  so.max_connections = cfg.max_connections;
  so.on_upgrade = [hub](asio::ip::tcp::socket&& s, http::request&& req) {
    hub->accept(std::move(s), std::move(req));
  };
  http::server server(io, so, routes);
  server.start();
  // The dashboard port: the same API routes and Socket.IO, plus the built dashboard for page
  // loads and every other GET (app/dashboard.h). A copy of the router: the API port keeps 404s.
  std::optional<http::server> dashboard;
  if (cfg.dashboard_port >= 0) {
    auto dashboard_routes = std::make_shared<http::router>(*routes);
    app::add_dashboard_routes(*dashboard_routes, cfg.dashboard_dir);
    auto dso = so;  // same bind, body limit and on_upgrade (Socket.IO) hook
    dso.port = static_cast<unsigned short>(cfg.dashboard_port);
    dashboard.emplace(io, dso, dashboard_routes);
    dashboard->start();
    log().info("dashboard on http://{}:{} from {}", cfg.bind, dashboard->port(), cfg.dashboard_dir);
  }
  hub->start();
  log().info("listening on http://{}:{} (role {}, {} workers)", cfg.bind, server.port(), cfg.role,
             workers);

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int sig) {
    log().info("signal {}: stopping", sig);
    server.stop();
    if (dashboard) dashboard->stop();
    hub->stop();
    redis.stop();
    io.stop();
  });
  io.run();
  stopped();
}

int run(const app::config& cfg) {
  auto ep = redis::parse_url(cfg.redis_url);
  if (!ep) throw std::runtime_error("bad REDIS_URL: " + cfg.redis_url);
  migrate(cfg.database_url);

  asio::io_context io(1);
  asio::thread_pool blocking(2);  // control actions
  asio::thread_pool queries(static_cast<std::size_t>(cfg.query_connections));
  asio::thread_pool health_thread(1);
  databases d{queries,
              {std::make_shared<pg::pool>(pg::pool_options{
                   cfg.database_url, static_cast<std::size_t>(cfg.query_connections),
                   std::chrono::milliseconds(cfg.query_timeout_ms),
                   std::chrono::milliseconds(5'000), "tracehub-query", cfg.query_share}),
               &queries},
              health_thread,
              std::make_shared<pg::pool>(
                  pg::pool_options{cfg.database_url, 1, std::chrono::milliseconds(2'000),
                                   std::chrono::milliseconds(2'000), "tracehub-health"})};
  auto p = make_probes(cfg, *ep);

  // Where workers write, the partitions of `logs` are kept ahead and expired ones removed
  // (retention/maintainer.h); made once before the workers start.
  std::optional<retention::maintainer> partitions;
  if (cfg.role != "api") {
    partitions.emplace(cfg.database_url, retention::make_policy(cfg.retention));
    if (auto s = partitions->run_once(); !s)
      log().warn("partition maintenance at start-up: {} (the worker makes what it needs)",
                 s.error().message());
    partitions->start();
  }
  worker::supervisor workers(io, p.bus);
  std::optional<replay::replay_worker> replayer;
  make_workers(cfg, *ep, p, workers, replayer);
  std::optional<audit::auditor> auditor;  // one round at a time system-wide (a Redis lock)
  if (cfg.role != "api") {
    auditor.emplace(audit_options(cfg, *ep));
    auditor->start();
  }
  auto c = make_controls(cfg, *ep, io, blocking, d.db, p, workers, replayer);

  auto redis = redis::async_connection::create(io.get_executor(), *ep);
  redis->start();
  auto routes = make_routes(cfg, *ep, redis, d, p, c, blocking);
  serve(io, cfg, routes, c.hub, *redis, workers.size(), [&] {
    workers.stop();
    if (replayer) replayer->stop();
    if (auditor) auditor->stop();
    if (partitions) partitions->stop();
    p.poller->stop();
    c.channel->stop();
    c.bridge->stop();
    c.cluster->stop();
    p.network->stop();
    blocking.join();
  });
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto cfg = app::parse_config(argc, argv);
  set_log_level(cfg.log_level);
  if (auto problem = app::exposure_problem(cfg); !problem.empty()) {
    log().critical("refusing to start: {}", problem);
    return 1;
  }
  std::signal(SIGPIPE, SIG_IGN);
  try {
    return run(cfg);
  } catch (const std::exception& e) {
    log().critical("{}", e.what());
    return 1;
  }
}
