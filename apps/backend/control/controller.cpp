#include "backend/control/controller.h"

#include <charconv>
#include <functional>
#include <optional>
#include <variant>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "backend/base/clock.h"
#include "backend/base/json_parse.h"
#include "backend/base/log.h"
#include "backend/control/flush.h"
#include "backend/control/reset.h"
#include "backend/control/sql.h"
#include "backend/http/query.h"
#include "backend/pg/connection.h"
#include "backend/query/database.h"

namespace tracehub::control {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr module_logger<"control"> log;

constexpr std::int64_t max_duration_ms = 3'600'000;

bool timed(std::string_view action) {
  return action == "crash_worker" || action == "drop_network" || action == "delay_ack";
}

// An integer field in [lo, hi]; the 400 reply otherwise.
std::variant<std::int64_t, http::reply> int_field(const json::value& v, std::string_view name,
                                                  std::int64_t lo, std::int64_t hi) {
  std::optional<std::int64_t> n;
  if (v.is_int64()) n = v.as_int64();
  if (v.is_uint64() && v.as_uint64() <= static_cast<std::uint64_t>(hi)) n = v.as_uint64();
  if (!n || *n < lo || *n > hi)
    return http::json_error(400, "invalid_field",
                            std::string(name) + " must be an integer from " + std::to_string(lo) +
                                " to " + std::to_string(hi));
  return *n;
}

// Runs a blocking job's result back to the io thread.
asio::awaitable<status> set_fault_job(std::shared_ptr<faults::network> n, faults::window w) {
  co_return n->set(w);
}

// Every process pauses its queue and replay workers (they finish the transaction in hand),
// `act` runs, every process resumes — forgetting its counters when `cleared`.
template <class Outcome, class Act>
result<Outcome> paused_everywhere(cluster& c, bool cleared, Act act) {
  auto held = c.ask("pause", {}, std::chrono::seconds(20));
  if (!held) return held.error();
  for (const auto& a : *held)
    if (!a.held)
      log().warn("{} ({}): a worker did not pause within 15 s; acting anyway", a.origin, a.host);
  auto out = act();
  auto resumed = c.ask("resume", {{"cleared", cleared && bool(out)}}, std::chrono::seconds(5));
  if (!resumed) log().error("resume: {}", resumed.error().message());
  return out;
}

asio::awaitable<result<flush_outcome>> flush_job(std::string url, redis::endpoint ep,
                                                 std::shared_ptr<cluster> c) {
  co_return paused_everywhere<flush_outcome>(*c, false, [&] { return flush_queues(url, ep); });
}

struct reset_job_input {
  std::string url;
  redis::endpoint ep;
  std::chrono::milliseconds grace;
  targets t;
};

asio::awaitable<result<reset_outcome>> reset_job(reset_job_input in) {
  if (auto s = pause_ingest(in.ep, std::chrono::seconds(30)); !s) co_return s.error();
  auto out = paused_everywhere<reset_outcome>(*in.t.cluster, true, [&]() -> result<reset_outcome> {
    auto r = clear_state(in.url, in.ep, in.grace);
    if (!r) return r;
    if (auto s = in.t.network->clear_all(); !s) return s.error();
    return r;
  });
  if (in.t.poller) in.t.poller->poll_now();
  co_return out;
}

}  // namespace

struct controller::command {
  std::string action;
  std::chrono::milliseconds duration{0};
  std::int64_t delay_ms = 0;
  double share = 0;
};

namespace {

struct recorded {
  std::int64_t id = 0, ts = 0;
};

// Both borrow a connection of the query routes' pool (query/database.h), so the controls cost
// Postgres no connection of their own. Blocking.
std::optional<recorded> record(const std::shared_ptr<pg::pool>& db, const std::string& action,
                               const std::string& params, std::optional<std::int64_t> until) {
  auto c = db->acquire(pg::pool::share::exempt);  // an operator's action never waits on readers
  if (!c) return std::nullopt;
  std::string until_text = until ? std::to_string(*until) : std::string();
  std::vector<pg::param> p{action, params, until ? pg::param(until_text) : pg::param()};
  auto r = (*c)->query(sql::record_event, p);
  if (!r || r->size() != 1) return std::nullopt;
  return recorded{r->get_int(0, 0), r->get_int(0, 1)};
}

asio::awaitable<std::optional<recorded>> record_job(std::shared_ptr<pg::pool> db,
                                                    std::string action, std::string params,
                                                    std::optional<std::int64_t> until) {
  co_return record(db, action, params, until);
}

asio::awaitable<http::reply> blocking_job(std::function<http::reply()> f) {
  co_return f();
}

asio::awaitable<http::reply> list_job(std::shared_ptr<pg::pool> db, std::int64_t limit) {
  auto c = db->acquire();
  if (!c) co_return query::query_failed(c.error(), db->options());
  std::string l = std::to_string(limit);
  std::vector<pg::param> p{l};
  auto r = (*c)->query(sql::list_events, p);
  if (!r) co_return query::query_failed(r.error(), db->options());
  if (r->size() != 1)
    co_return http::json_error(503, "unavailable", "the query failed; retry later");
  co_return http::reply{200, std::string(r->get(0, 0))};
}

}  // namespace

controller::controller(asio::thread_pool& pool, options opts, targets t)
    : pool_(pool), opts_(std::move(opts)), t_(std::move(t)) {}

// Parses and checks the body; the 400 reply on bad input.
asio::awaitable<http::reply> controller::apply(http::request& req) {
  auto body = http::json_object_body(req.body());
  if (auto* r = std::get_if<http::reply>(&body)) co_return std::move(*r);
  const auto& o = std::get<json::object>(body);
  command c;
  auto* action = o.if_contains("action");
  if (!action || !action->is_string())
    co_return http::json_error(400, "invalid_field", "action must be a string");
  c.action = action->as_string();
  if (!timed(c.action) && c.action != "flush_queue" && c.action != "reset")
    co_return http::json_error(400, "unknown_action",
                               "unknown action \"" + c.action +
                                   "\" (known: crash_worker, drop_network, delay_ack, "
                                   "flush_queue, reset)");
  c.duration = c.action == "crash_worker"   ? opts_.crash_down
               : c.action == "drop_network" ? opts_.drop_for
                                            : opts_.delay_for;
  c.delay_ms = opts_.ack_delay.count();
  c.share = opts_.drop_share;
  for (const auto& [key, value] : o) {
    if (key == "action") continue;
    if (key == "durationMs" && timed(c.action)) {
      auto d = int_field(value, key, 1, max_duration_ms);
      if (auto* r = std::get_if<http::reply>(&d)) co_return std::move(*r);
      c.duration = std::chrono::milliseconds(std::get<std::int64_t>(d));
    } else if (key == "delayMs" && c.action == "delay_ack") {
      auto d = int_field(value, key, 1, 60'000);
      if (auto* r = std::get_if<http::reply>(&d)) co_return std::move(*r);
      c.delay_ms = std::get<std::int64_t>(d);
    } else if (key == "share" && c.action == "drop_network") {
      if (!value.is_number() || value.to_number<double>() <= 0 || value.to_number<double>() > 1)
        co_return http::json_error(400, "invalid_field", "share must be a number in (0, 1]");
      c.share = value.to_number<double>();
    } else {
      co_return http::json_error(
          400, "unknown_field",
          "\"" + std::string(key) + "\" does not apply to " + c.action +
              " (crash_worker: durationMs; drop_network: durationMs, share; delay_ack: "
              "durationMs, delayMs; flush_queue and reset: none)");
    }
  }
  co_return co_await run(std::move(c));
}

// A timed action's parameters, as recorded and broadcast.
json::object controller::params_of(const command& c) const {
  json::object params{{"durationMs", c.duration.count()}};
  if (c.action == "drop_network") params["share"] = c.share;
  if (c.action == "delay_ack") params["delayMs"] = c.delay_ms;
  return params;
}

asio::awaitable<std::variant<json::object, http::reply>> controller::flush() {
  auto f = co_await asio::co_spawn(pool_, flush_job(opts_.database_url, opts_.redis, t_.cluster),
                                   asio::use_awaitable);
  if (!f) {
    log().error("flush_queue: {}", f.error().message());
    co_return http::json_error(503, "unavailable",
                               "the flush failed part-way (" + f.error().message() +
                                   "); what was purged is accounted for; retry it");
  }
  co_return json::object{
      {"entries", f->entries}, {"seqs", f->seqs}, {"replayRequests", f->requests}};
}

asio::awaitable<std::variant<json::object, http::reply>> controller::reset() {
  reset_job_input in{opts_.database_url, opts_.redis, opts_.reset_grace, t_};
  auto r = co_await asio::co_spawn(pool_, reset_job(std::move(in)), asio::use_awaitable);
  if (!r) {
    log().error("reset: {}", r.error().message());
    co_return http::json_error(503, "unavailable",
                               "the reset failed (" + r.error().message() + "); retry it");
  }
  co_return json::object{{"redisKeys", r->redis_keys}};
}

// Not a coroutine itself: two smaller ones keep g++ 12's -Wmismatched-new-delete (a false
// positive on large coroutine frames) quiet.
asio::awaitable<http::reply> controller::run(command c) {
  if (timed(c.action)) return run_timed(std::move(c));
  return run_once(std::move(c));
}

asio::awaitable<http::reply> controller::run_timed(command c) {
  if (c.action == "crash_worker") co_return co_await run_crash(std::move(c));
  const auto now = now_epoch_ms();
  const std::int64_t until = now + c.duration.count();
  auto params = json::serialize(params_of(c));
  faults::window w{c.action, now, until, c.share, c.delay_ms, params};
  // Announced (recorded, sim:control) before it takes effect, like crash_worker.
  auto rec = co_await asio::co_spawn(
      *opts_.db.executor, record_job(opts_.db.pool, c.action, params, until), asio::use_awaitable);
  auto reply = announce(c.action, params, until, rec ? rec->id : 0, rec ? rec->ts : now);
  auto set = co_await asio::co_spawn(pool_, set_fault_job(t_.network, w), asio::use_awaitable);
  if (!set)
    co_return http::json_error(503, "unavailable",
                               "Redis refused the fault (" + set.error().message() + "); retry it");
  co_return reply;
}

// crash_worker: a census of the workers of every process first (none anywhere: 409), then
// sim:control, then the crash on every process; the reply says which workers went down where.
// All of it blocking, on the pool.
asio::awaitable<http::reply> controller::run_crash(command c) {
  return asio::co_spawn(
      pool_, blocking_job([self = shared_from_this(), c] { return self->crash_everywhere(c); }),
      asio::use_awaitable);
}

http::reply controller::crash_everywhere(const command& c) {
  auto census = t_.cluster->ask("census", {}, std::chrono::seconds(2));
  if (!census)
    return http::json_error(503, "unavailable",
                            "Redis is unreachable (" + census.error().message() + ")");
  std::size_t total = 0;
  for (const auto& a : *census)
    total += a.workers.size();
  if (total == 0)
    return http::json_error(409, "no_worker", "no backend process runs a queue worker");
  const auto now = now_epoch_ms();
  const std::int64_t until = now + c.duration.count();
  auto p = params_of(c);
  p["workers"] = total;
  auto params = json::serialize(p);
  auto rec = record(opts_.db.pool, c.action, params, until);
  if (auto s = t_.network->set({c.action, now, until, 0, 0, params}); !s)
    log().warn("crash_worker: not shown in faults: {}", s.error().message());
  // sim:control goes out before the crash it announces.
  auto reply = announce(c.action, params, until, rec ? rec->id : 0, rec ? rec->ts : now);
  auto crashed = t_.cluster->ask("crash_worker", {{"durationMs", c.duration.count()}},
                                 std::chrono::seconds(2));
  json::array where;
  if (crashed) {
    for (const auto& a : *crashed) {
      if (a.workers.empty()) continue;
      json::array ids;
      for (const auto& id : a.workers)
        ids.emplace_back(id);
      where.push_back(json::object{
          {"process", a.origin}, {"host", a.host}, {"pid", a.pid}, {"workers", std::move(ids)}});
    }
  }
  reply.body.pop_back();  // the closing brace of {"event": ...}
  reply.body += ",\"crashed\":" + json::serialize(where) + "}";
  return reply;
}

asio::awaitable<http::reply> controller::run_once(command c) {
  const auto now = now_epoch_ms();
  std::variant<json::object, http::reply> applied;
  if (c.action == "flush_queue") {
    applied = co_await flush();
  } else {
    applied = co_await reset();
  }
  if (auto* r = std::get_if<http::reply>(&applied)) co_return std::move(*r);
  auto params = json::serialize(std::get<json::object>(applied));
  auto rec = co_await asio::co_spawn(*opts_.db.executor,
                                     record_job(opts_.db.pool, c.action, params, std::nullopt),
                                     asio::use_awaitable);
  co_return announce(c.action, params, std::nullopt, rec ? rec->id : 0, rec ? rec->ts : now);
}

// Broadcasts sim:control and builds the 200 reply. id 0: not recorded (Postgres failed).
http::reply controller::announce(const std::string& action, const std::string& params,
                                 std::optional<std::int64_t> until, std::int64_t id,
                                 std::int64_t ts) {
  if (id == 0) log().warn("{} applied but not recorded in sim_events (Postgres)", action);
  std::string text = "{\"id\":" + (id ? std::to_string(id) : std::string("null")) +
                     ",\"action\":\"" + action + "\",\"params\":" + params +
                     ",\"ts\":" + std::to_string(ts) +
                     ",\"until\":" + (until ? std::to_string(*until) : std::string("null")) + "}";
  log().info("applied {}", text);
  if (t_.bus) t_.bus->publish("sim:control", text);
  return http::reply{200, "{\"event\":" + text + "}"};
}

asio::awaitable<http::reply> controller::list_events(http::request& req) {
  std::int64_t limit = 100;
  if (auto raw = http::query_param(req.target(), "limit")) {
    auto [p, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), limit);
    if (ec != std::errc{} || p != raw->data() + raw->size() || limit < 1 || limit > 1000)
      co_return http::json_error(400, "invalid_field", "limit must be 1..1000");
  }
  co_return co_await query::run(opts_.db, list_job(opts_.db.pool, limit));
}

std::vector<metrics::fault_view> controller::active() const {
  std::vector<metrics::fault_view> out;
  for (const auto& w : t_.network->active()) {
    boost::system::error_code ec;
    auto params = parse_json(w.params, ec);
    out.push_back({w.action, w.since, w.until,
                   !ec && params.is_object() ? params.as_object() : json::object{}});
  }
  return out;
}

}  // namespace tracehub::control
