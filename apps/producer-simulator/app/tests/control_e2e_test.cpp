// The five fault controls (docs/PROTOCOL.md, "Controls"; POST /metrics/control) against the real
// backend (role all), the real simulator binary, real Redis and real Postgres. Each fault is
// applied under simulator load and watched through GET /metrics (polled with deadlines); each test
// ends with the promise checked: every seq 1..N of every service (N = seq:{svc}) is in Postgres
// exactly once — or, after flush_queue, either stored exactly once or reported lost by seq.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "backend/keyspace/keys.h"
#include "backend/testing/backend_process.h"
#include "backend/testing/pg_database.h"
#include "backend/testing/pipeline.h"
#include "backend/testing/redis_db.h"
#include "sim_fixture.h"
#include "sim_process.h"

namespace tracehub::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using steady_clock = std::chrono::steady_clock;

constexpr int redis_index = 14;

// --- reading JSON answers ----------------------------------------------------------------------

json::object parse_object(const std::string& body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object()) return {};
  return v.as_object();
}

const json::value* at(const json::object& o, std::string_view a, std::string_view b = {}) {
  const auto* v = o.if_contains(a);
  if (v == nullptr || b.empty()) return v;
  if (!v->is_object()) return nullptr;
  return v->as_object().if_contains(b);
}

// A number field (integer or not); NaN when absent or not a number.
double num(const json::object& o, std::string_view a, std::string_view b = {}) {
  const auto* v = at(o, a, b);
  if (v == nullptr) return std::nan("");
  if (v->is_int64()) return static_cast<double>(v->as_int64());
  if (v->is_uint64()) return static_cast<double>(v->as_uint64());
  if (v->is_double()) return v->as_double();
  return std::nan("");
}

std::string str(const json::object& o, std::string_view a, std::string_view b = {}) {
  const auto* v = at(o, a, b);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

const json::array& array_of(const json::object& o, std::string_view key) {
  static const json::array empty;
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_array() ? v->as_array() : empty;
}

std::vector<std::string> worker_states(const json::object& m) {
  std::vector<std::string> out;
  for (const auto& w : array_of(m, "workers"))
    if (w.is_object()) out.push_back(str(w.as_object(), "state"));
  return out;
}

bool any_worker(const json::object& m, std::string_view state) {
  auto s = worker_states(m);
  return std::find(s.begin(), s.end(), state) != s.end();
}

bool all_workers_up(const json::object& m) {
  auto s = worker_states(m);
  return !s.empty() && std::all_of(s.begin(), s.end(), [](const auto& x) { return x == "up"; });
}

const json::object* fault(const json::object& m, std::string_view action) {
  for (const auto& f : array_of(m, "faults"))
    if (f.is_object() && str(f.as_object(), "action") == action) return &f.as_object();
  return nullptr;
}

// The largest `missing` among the services GET /metrics lists.
double max_missing(const json::object& m) {
  double out = 0;
  for (const auto& s : array_of(m, "services"))
    if (s.is_object()) out = std::max(out, num(s.as_object(), "missing"));
  return out;
}

// Replay requests of every state, over the services GET /metrics lists.
double replays_created(const json::object& m) {
  double out = 0;
  for (const auto& s : array_of(m, "services")) {
    if (!s.is_object()) continue;
    for (const char* k : {"pending", "completed", "failed"})
      out += num(s.as_object(), "replays", k);
  }
  return out;
}

std::string dump(const json::object& o) {
  return json::serialize(o).substr(0, 3000);
}

// --- the fixture -------------------------------------------------------------------------------

class control_e2e : public sim_fixture {
 protected:
  control_e2e() : sim_fixture(redis_index, 30s, 30s) {}

  backend_process start_backend(const sim_process::env_list& env = {}) {
    backend_options o(pg_.url(), redis_.url());
    o.env = env;
    return backend_process::start(o);
  }

  // A moderate simulator: `rate` logs/s per service, no bursts, small batches, short flushes.
  sim_process start_sim(unsigned short backend_port, std::vector<std::string> extra = {},
                        int rate = 300) const {
    std::vector<std::string> args{
        "--rate",     std::to_string(rate), "--batch-size", "50",         "--flush-ms", "50",
        "--no-burst", "--log-level",        "warn",         "--drain-ms", "30000"};
    args.insert(args.end(), extra.begin(), extra.end());
    return sim_process::spawn(args,
                              {{"BACKEND_URL", "http://127.0.0.1:" + std::to_string(backend_port)},
                               {"REDIS_URL", redis_.url()}});
  }

  static json::object metrics(http_client& api) {
    auto r = api.get("/metrics");
    return r.status == 200 ? parse_object(r.body) : json::object{};
  }

  // The largest ack:{svc} missing count (the backend's ACK state, read directly).
  long long ack_state_missing() const {
    long long out = 0;
    auto c = redis_.connect();
    for (const auto& s : services) {
      auto r = c.command({"HGET", keyspace::ack(s), keyspace::ack_field::missing});
      if (r && r->view().is_string()) out = std::max(out, std::stoll(std::string(r->view().str())));
    }
    return out;
  }

  // Every replay request has ended (completed or failed).
  bool replays_settled() const {
    auto db = pg_.connect();
    auto r = db.query("SELECT count(*) FROM replay_requests WHERE status = 'pending'");
    return r && r->get_int(0, 0) == 0;
  }

  std::int64_t replays_failed() const {
    auto db = pg_.connect();
    auto r = db.query("SELECT count(*) FROM replay_requests WHERE status = 'failed'");
    return r ? r->get_int(0, 0) : -1;
  }
};

struct answer {
  unsigned status = 0;
  json::object body;  // empty when the answer is not a JSON object
};

// POST /metrics/control with `body` (sent as application/json, whatever it holds).
answer control(http_client& api, const std::string& body) {
  auto r = api.post("/metrics/control", body);
  return {r.status, parse_object(r.body)};
}

// --- crash_worker ------------------------------------------------------------------------------

// A 10 s crash (durationMs), so that a noisy machine's slow metrics refresh still sees the
// worker down and the queue growing inside the window.
TEST_F(control_e2e, crash_worker_stops_the_worker_for_its_duration_the_queue_grows_then_drains) {
  auto backend = start_backend();
  auto sim = start_sim(backend.port());
  http_client api(backend.port());
  ASSERT_TRUE(produced_at_least(600));
  json::object m;
  ASSERT_TRUE(eventually([&] { return all_workers_up(m = metrics(api)); }, 10s)) << dump(m);

  auto posted = steady_clock::now();
  auto r = control(api, R"({"action":"crash_worker","durationMs":10000})");
  ASSERT_EQ(r.status, 200u) << dump(r.body);
  ASSERT_TRUE(r.body.contains("event")) << dump(r.body);
  const auto& event = r.body.at("event").as_object();
  EXPECT_EQ(str(event, "action"), "crash_worker");
  EXPECT_FALSE(std::isnan(num(event, "id"))) << dump(event);
  EXPECT_NEAR(num(event, "until") - num(event, "ts"), 10000, 500) << dump(event);

  ASSERT_TRUE(eventually([&] { return any_worker(m = metrics(api), "down"); }, 3s))
      << "no worker down within 3 s: " << dump(m);
  EXPECT_NE(fault(m, "crash_worker"), nullptr) << dump(m);

  // While it is down the queue only grows (the poller refreshes it about once a second).
  auto depth_at_crash = num(m, "queue", "logs");
  bool grew = eventually(
      [&] {
        m = metrics(api);
        return any_worker(m, "down") && num(m, "queue", "logs") >= depth_at_crash + 20;
      },
      6s);
  EXPECT_TRUE(grew) << "queue.logs " << depth_at_crash << " -> " << num(m, "queue", "logs");

  // Back up after ~10 s: not before 9 s, by 15 s.
  bool up = eventually([&] { return all_workers_up(m = metrics(api)); }, 15s);
  auto down_for = steady_clock::now() - posted;
  ASSERT_TRUE(up) << "still down 15 s after the crash: " << dump(m);
  EXPECT_GE(down_for, 9s) << "back up after only "
                          << std::chrono::duration_cast<std::chrono::milliseconds>(down_for).count()
                          << " ms";
  double restarts = 0;
  for (const auto& w : array_of(m, "workers"))
    restarts += num(w.as_object(), "restarts");
  EXPECT_GE(restarts, 1) << dump(m);

  // The backlog drains while the simulator keeps sending (~20 batches/s per service)...
  EXPECT_TRUE(eventually([&] { return num(m = metrics(api), "queue", "logs") <= 30; }, 20s))
      << dump(m);
  EXPECT_TRUE(eventually([&] { return fault(m = metrics(api), "crash_worker") == nullptr; }, 5s))
      << dump(m);
  // ...and is empty once it stopped; nothing was lost.
  EXPECT_EQ(sim.terminate(60s), 0);
  EXPECT_TRUE(eventually(
      [&] {
        m = metrics(api);
        return num(m, "queue", "logs") == 0 && num(m, "queue", "retry") == 0;
      },
      20s))
      << dump(m);
  expect_exactly_once();
}

// --- drop_network ------------------------------------------------------------------------------

TEST_F(control_e2e, drop_network_loses_requests_opens_gaps_and_replays_close_them) {
  auto backend = start_backend();
  auto sim = start_sim(backend.port(), {"--timeout-ms", "500"});
  http_client api(backend.port());
  ASSERT_TRUE(produced_at_least(600));
  auto m = metrics(api);
  auto dropped_before = num(m, "ingest", "droppedTotal");
  ASSERT_FALSE(std::isnan(dropped_before)) << dump(m);

  auto r = control(api, R"({"action":"drop_network","durationMs":3000})");
  ASSERT_EQ(r.status, 200u) << dump(r.body);
  const auto& event = r.body.at("event").as_object();
  EXPECT_EQ(str(event, "action"), "drop_network");
  EXPECT_NEAR(num(event, "until") - num(event, "ts"), 3000, 500) << dump(event);

  m = metrics(api);
  const auto* f = fault(m, "drop_network");
  ASSERT_NE(f, nullptr) << dump(m);
  EXPECT_NEAR(num(*f, "share"), 0.3, 1e-9) << dump(*f);

  // Gaps open and close within a fraction of a second (the producers re-send after 100 ms),
  // and GET /metrics reads the ACK state once a second: a gap counts as seen when GET /metrics
  // shows missing > 0, when ack:{svc} does (read here every 50 ms), or when it left a replay
  // request behind.
  bool dropping = false, gapped = false;
  eventually(
      [&] {
        m = metrics(api);
        dropping = dropping || num(m, "ingest", "droppedTotal") > dropped_before;
        gapped = gapped || max_missing(m) > 0 || replays_created(m) > 0 || ack_state_missing() > 0;
        return dropping && gapped;
      },
      6s);
  EXPECT_TRUE(dropping) << "ingest.droppedTotal did not rise: " << dump(m);
  EXPECT_TRUE(gapped) << "no gap seen in GET /metrics, ack:{svc} or replays: " << dump(m);

  // The window ends; replays and re-sends close every gap while the traffic goes on.
  EXPECT_TRUE(eventually([&] { return fault(m = metrics(api), "drop_network") == nullptr; }, 5s))
      << dump(m);
  auto dropped_after = num(m, "ingest", "droppedTotal");
  EXPECT_TRUE(eventually([&] { return max_missing(m = metrics(api)) == 0; }, 30s)) << dump(m);
  EXPECT_EQ(num(metrics(api), "ingest", "droppedTotal"), dropped_after)
      << "requests dropped after the window closed";

  EXPECT_EQ(sim.terminate(60s), 0);
  expect_exactly_once();
  EXPECT_TRUE(eventually([&] { return replays_settled(); }, 30s));
  EXPECT_EQ(replays_failed(), 0);
}

// --- delay_ack ---------------------------------------------------------------------------------

TEST_F(control_e2e, delay_ack_holds_acks_back_producers_retry_and_duplicates_are_absorbed) {
  auto backend = start_backend();
  auto sim = start_sim(backend.port());  // request timeout 2 s: shorter than the 3 s delay
  http_client api(backend.port());
  ASSERT_TRUE(produced_at_least(600));
  auto m = metrics(api);
  auto dups_before = num(m, "ingest", "duplicatesTotal");
  ASSERT_FALSE(std::isnan(dups_before)) << dump(m);

  auto r = control(api, R"({"action":"delay_ack","durationMs":4000})");
  ASSERT_EQ(r.status, 200u) << dump(r.body);
  EXPECT_EQ(str(r.body.at("event").as_object(), "action"), "delay_ack");
  m = metrics(api);
  const auto* f = fault(m, "delay_ack");
  ASSERT_NE(f, nullptr) << dump(m);
  EXPECT_EQ(num(*f, "delayMs"), 3000) << dump(*f);

  // The held ACKs come out 3 s later; p99 shows them (read from 5 %-wide histogram buckets,
  // as each bucket's geometric middle: within 2.5 % of the true latency).
  EXPECT_TRUE(
      eventually([&] { return num(m = metrics(api), "ackLatencyMs", "p99") >= 3000 * 0.975; }, 10s))
      << dump(m);
  // Producers gave up on them after 2 s and sent the batches again: duplicates.
  EXPECT_TRUE(eventually(
      [&] { return num(m = metrics(api), "ingest", "duplicatesTotal") > dups_before; }, 15s))
      << dump(m);
  EXPECT_TRUE(eventually([&] { return fault(m = metrics(api), "delay_ack") == nullptr; }, 5s))
      << dump(m);

  EXPECT_EQ(sim.terminate(60s), 0);
  expect_exactly_once();
}

// --- flush_queue -------------------------------------------------------------------------------

// The stored logs and the lost ranges of one service, as seen by Postgres and GET /lost.
struct accounting {
  long long n = 0;                                  // seq:{svc}
  std::vector<int> stored;                          // stored[seq]: rows with that seq
  std::vector<int> lost;                            // lost[seq]: lost ranges holding it
  long long out_of_range = 0;                       // rows or lost seqs outside 1..N
  long long both = 0, neither = 0, duplicated = 0;  // over 1..N
  long long lost_total = 0;
};

TEST_F(control_e2e, flush_queue_purges_and_every_seq_is_stored_once_or_reported_lost) {
  auto backend = start_backend({{"TRACEHUB_REPLAY_DEADLINE_MS", "3000"}});
  auto sim = start_sim(backend.port());
  http_client api(backend.port());
  ASSERT_TRUE(produced_at_least(600));

  // With the worker down the queue holds acknowledged entries the producers have trimmed.
  auto r = control(api, R"({"action":"crash_worker","durationMs":8000})");
  ASSERT_EQ(r.status, 200u) << dump(r.body);
  json::object m;
  ASSERT_TRUE(eventually([&] { return num(m = metrics(api), "queue", "logs") >= 50; }, 6s))
      << dump(m);

  r = control(api, R"({"action":"flush_queue"})");
  ASSERT_EQ(r.status, 200u) << dump(r.body);
  const auto& event = r.body.at("event").as_object();
  EXPECT_EQ(str(event, "action"), "flush_queue");
  ASSERT_TRUE(at(event, "params") != nullptr && at(event, "params")->is_object()) << dump(event);
  const auto& params = event.at("params").as_object();
  EXPECT_GE(num(params, "entries"), 50) << dump(event);
  EXPECT_GT(num(params, "seqs"), 0) << dump(event);

  // The record agrees (GET /sim-events, newest first).
  auto listed = parse_object(api.get("/sim-events?limit=5").body);
  ASSERT_GE(array_of(listed, "events").size(), 2u) << dump(listed);
  const auto& newest = array_of(listed, "events")[0].as_object();
  EXPECT_EQ(str(newest, "action"), "flush_queue") << dump(listed);
  EXPECT_EQ(num(newest, "id"), num(event, "id"));
  EXPECT_EQ(num(newest, "params", "seqs"), num(params, "seqs")) << dump(listed);
  EXPECT_EQ(str(array_of(listed, "events")[1].as_object(), "action"), "crash_worker");

  ASSERT_TRUE(eventually([&] { return all_workers_up(m = metrics(api)); }, 12s)) << dump(m);
  ASSERT_TRUE(produced_at_least(300, last_seqs()));
  EXPECT_EQ(sim.terminate(60s), 0);

  // Settled: no replay pending, and every seq accounted for (the check below says how not).
  auto db = pg_.connect();
  std::vector<accounting> acc(services.size());
  auto measure = [&](std::size_t i) {
    auto& a = acc[i];
    a = accounting{};
    a.n = last_seq(services[i]);
    a.stored.assign(static_cast<std::size_t>(a.n) + 1, 0);
    a.lost.assign(static_cast<std::size_t>(a.n) + 1, 0);
    pg::param p[] = {services[i]};
    auto rows = db.query("SELECT seq FROM logs WHERE service = $1", p);
    if (!rows) return;
    for (std::size_t k = 0; k < rows->size(); ++k) {
      auto seq = rows->get_int(k, 0);
      if (seq < 1 || seq > a.n) {
        ++a.out_of_range;
        continue;
      }
      ++a.stored[static_cast<std::size_t>(seq)];
    }
    auto lost = api.get("/lost?service=" + services[i] + "&limit=1000");
    boost::system::error_code ec;
    auto v = json::parse(lost.body, ec);
    const json::array* ranges = nullptr;
    if (!ec && v.is_array()) ranges = &v.as_array();
    if (!ec && v.is_object() && v.as_object().contains("items"))
      ranges = &v.as_object().at("items").as_array();
    if (ranges == nullptr) return;
    for (const auto& x : *ranges) {
      auto lo = static_cast<long long>(num(x.as_object(), "from"));
      auto hi = static_cast<long long>(num(x.as_object(), "to"));
      for (auto s = lo; s <= hi; ++s) {
        ++a.lost_total;
        if (s < 1 || s > a.n) {
          ++a.out_of_range;
          continue;
        }
        ++a.lost[static_cast<std::size_t>(s)];
      }
    }
    for (std::size_t s = 1; s <= static_cast<std::size_t>(a.n); ++s) {
      int st = a.stored[s], lo = a.lost[s];
      if (st > 1 || lo > 1) ++a.duplicated;
      if (st > 0 && lo > 0) ++a.both;
      if (st == 0 && lo == 0) ++a.neither;
    }
  };
  bool settled = eventually(
      [&] {
        if (!replays_settled()) return false;
        for (std::size_t i = 0; i < services.size(); ++i) {
          measure(i);
          if (acc[i].neither > 0) return false;
        }
        return true;
      },
      40s);
  EXPECT_TRUE(settled) << "replays still pending, or seqs neither stored nor lost";
  long long lost_total = 0;
  for (std::size_t i = 0; i < services.size(); ++i) {
    const auto& a = acc[i];
    SCOPED_TRACE(services[i] + ": N=" + std::to_string(a.n));
    EXPECT_GT(a.n, 0);
    EXPECT_EQ(a.neither, 0) << "seqs neither stored nor reported lost";
    EXPECT_EQ(a.both, 0) << "seqs stored and reported lost";
    EXPECT_EQ(a.duplicated, 0) << "seqs stored twice or in two lost ranges";
    EXPECT_EQ(a.out_of_range, 0) << "rows or lost seqs beyond 1..N";
    lost_total += a.lost_total;
  }
  // The producers had trimmed what the flushed entries held (it was acknowledged): lost.
  EXPECT_GT(lost_total, 0);
  m = metrics(api);
  EXPECT_TRUE(eventually([&] { return num(m = metrics(api), "lost") == lost_total; }, 5s))
      << "GET /metrics lost " << num(m, "lost") << ", GET /lost " << lost_total;
}

// --- reset -------------------------------------------------------------------------------------

TEST_F(control_e2e, reset_clears_everything_and_the_new_epoch_from_seq_1_is_exact) {
  auto backend = start_backend();
  auto sim = start_sim(backend.port(), {}, 500);
  http_client api(backend.port());
  ASSERT_TRUE(produced_at_least(2'000));
  auto before = last_seqs();

  auto r = control(api, R"({"action":"reset"})");
  ASSERT_EQ(r.status, 200u) << dump(r.body);
  EXPECT_EQ(str(r.body.at("event").as_object(), "action"), "reset");

  // The tables are empty at some point (ingest refuses batches for ~2 s after the reset),
  // and at all times hold only the new epoch: Postgres is read before the counters, so a row
  // above its service's counter can only be from before the reset.
  auto db = pg_.connect();
  bool saw_empty = false;
  long long old_rows_seen = 0;
  auto started = steady_clock::now();
  while (steady_clock::now() - started < 3s) {
    auto t = db.query(
        "SELECT (SELECT count(*) FROM logs), (SELECT count(*) FROM ack_state), "
        "(SELECT count(*) FROM replay_requests), (SELECT count(*) FROM lost_seqs)");
    ASSERT_TRUE(t);
    if (t->get_int(0, 0) + t->get_int(0, 1) + t->get_int(0, 2) + t->get_int(0, 3) == 0)
      saw_empty = true;
    for (const auto& s : services) {
      pg::param p[] = {s};
      auto mx = db.query("SELECT coalesce(max(seq), 0) FROM logs WHERE service = $1", p);
      ASSERT_TRUE(mx);
      if (mx->get_int(0, 0) > last_seq(s)) ++old_rows_seen;
    }
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(saw_empty) << "logs, ack_state, replay_requests and lost_seqs never all empty";
  EXPECT_EQ(old_rows_seen, 0) << "rows of the old epoch after the reset";

  // The counters restarted: the new epoch is well below the old one, and growing.
  for (std::size_t i = 0; i < services.size(); ++i) {
    auto now = last_seq(services[i]);
    EXPECT_LT(now, before[i]) << services[i];
  }
  ASSERT_TRUE(produced_at_least(1'500));
  EXPECT_EQ(sim.terminate(60s), 0);
  expect_exactly_once();  // min seq 1, max N, N rows: the new epoch, exactly
  // Gaps of out-of-order batches make replay requests that complete on the replay worker's
  // next pass: wait for those, then none may have failed (a failure would report stored seqs
  // as lost).
  auto count = [&](const char* sql) {
    auto r = db.query(sql);
    return r ? r->get_int(0, 0) : -1;
  };
  EXPECT_TRUE(eventually(
      [&] { return count("SELECT count(*) FROM replay_requests WHERE status = 'pending'") == 0; },
      30s))
      << "replay requests still pending";
  EXPECT_EQ(count("SELECT count(*) FROM replay_requests WHERE status = 'failed'"), 0)
      << "the new epoch needed replays that failed";
}

// --- bad input and the admin guard ------------------------------------------------------------

TEST_F(control_e2e, bad_commands_are_400_with_a_reason_and_apply_nothing) {
  auto backend = start_backend();
  http_client api(backend.port());
  const std::vector<std::string> bodies = {
      R"({"action":"explode"})",
      R"({"action":""})",
      R"({})",
      R"([])",
      R"({"action":42})",
      R"({"action":"crash_worker","durationMs":-1})",
      R"({"action":"crash_worker","durationMs":1.5})",
      R"({"action":"crash_worker","durationMs":"5000"})",
      R"({"action":"drop_network","durationMs":3600001})",
      R"({"action":"delay_ack","durationMs":99999999999})",
      R"({"action":"delay_ack","delayMs":-5})",
      R"({"action":"drop_network","share":1.5})",
      R"({"action":"drop_network","share":-0.1})",
      R"({"action":"crash_worker","durationMs":1000,"bogus":1})",
      "not json",
      R"({"action":"crash_worker")",
  };
  for (const auto& body : bodies) {
    auto r = control(api, body);
    EXPECT_EQ(r.status, 400u) << body << " -> " << dump(r.body);
    EXPECT_FALSE(str(r.body, "error").empty()) << body << " -> " << dump(r.body);
    EXPECT_FALSE(str(r.body, "detail").empty()) << body << " -> " << dump(r.body);
  }
  // Nothing was applied: no fault, the workers up, no event recorded.
  json::object m;
  ASSERT_TRUE(eventually([&] { return all_workers_up(m = metrics(api)); }, 5s)) << dump(m);
  EXPECT_TRUE(array_of(m, "faults").empty()) << dump(m);
  auto listed = parse_object(api.get("/sim-events").body);
  ASSERT_TRUE(listed.contains("events")) << dump(listed);
  EXPECT_TRUE(array_of(listed, "events").empty()) << dump(listed);
  auto db = pg_.connect();
  auto n = db.query("SELECT count(*) FROM sim_events");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->get_int(0, 0), 0);
}

TEST_F(control_e2e, with_an_admin_token_the_controls_require_it) {
  auto backend = start_backend({{"TRACEHUB_ADMIN_TOKEN", "secret"}});
  const std::string body = R"({"action":"drop_network","durationMs":1000})";
  {
    http_client anonymous(backend.port());
    auto r = control(anonymous, body);
    EXPECT_TRUE(r.status == 401 || r.status == 403) << r.status << " " << dump(r.body);
  }
  {
    http_client wrong(backend.port());
    wrong.set_header("Authorization", "Bearer secreT");
    auto r = control(wrong, body);
    EXPECT_TRUE(r.status == 401 || r.status == 403) << r.status << " " << dump(r.body);
    auto m = metrics(wrong);  // reading is not guarded
    EXPECT_TRUE(array_of(m, "faults").empty()) << dump(m);
  }
  http_client admin(backend.port());
  admin.set_header("Authorization", "Bearer secret");
  auto r = control(admin, body);
  EXPECT_EQ(r.status, 200u) << dump(r.body);
  auto m = metrics(admin);
  EXPECT_NE(fault(m, "drop_network"), nullptr) << dump(m);
}

}  // namespace
}  // namespace tracehub::testing
