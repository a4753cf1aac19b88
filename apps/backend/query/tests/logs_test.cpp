// GET /logs against the real backend and Postgres: every filter and the cursor paging are
// exact (compared with what was posted), and bad parameters are refused.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <set>
#include <thread>
#include <variant>

#include "backend/pg/migrate.h"
#include "backend/query/logs_params.h"
#include "backend/query/page_plan.h"
#include "backend/query/sql.h"
#include "backend/testing/backend_process.h"
#include "backend/testing/pg_database.h"
#include "backend/testing/pipeline.h"
#include "backend/testing/redis_db.h"

namespace tracehub {
namespace {

class query_logs : public ::testing::Test {
 protected:
  void SetUp() override {
    backend_.emplace(testing::backend_process::start({db_.url(), redis_.url()}));
    client_.emplace(backend_->port());
    // alpha: seqs 1..40, every 5th an error, messages "alpha-<seq>", seq 17 says "Needle 50%".
    // beta: seqs 1..20, all warn, ts fixed in 2020 for seq <= 10.
    std::string alpha = R"({"service":"alpha","batch":[)";
    for (int s = 1; s <= 40; ++s) {
      if (s > 1) alpha += ',';
      std::string msg = s == 17 ? "the Needle 50% here" : "alpha-" + std::to_string(s);
      alpha += R"({"seq":)" + std::to_string(s) + R"(,"level":")" +
               (s % 5 == 0 ? "error" : "info") + R"(","message":")" + msg + "\"}";
    }
    ASSERT_EQ(testing::post_raw(*client_, alpha + "]}").status, 200u);
    std::string beta = R"({"service":"beta","batch":[)";
    for (int s = 1; s <= 20; ++s) {
      if (s > 1) beta += ',';
      beta += R"({"seq":)" + std::to_string(s) + R"(,"level":"warn","message":"beta")" +
              (s <= 10 ? R"(,"ts":"2020-01-01T00:00:00Z")" : "") + "}";
    }
    ASSERT_EQ(testing::post_raw(*client_, beta + "]}").status, 200u);
    ASSERT_TRUE(testing::eventually([&] { return testing::count_rows(db_.url()).rows == 60; }));
  }

  boost::json::object page(const std::string& query) {
    auto r = client_->get("/logs" + query);
    EXPECT_EQ(r.status, 200u) << query << " -> " << r.body;
    return boost::json::parse(r.body).as_object();
  }
  std::vector<std::int64_t> seqs(const std::string& query) {
    std::vector<std::int64_t> out;
    auto p = page(query);  // kept: the loop below must not iterate a destroyed temporary
    for (const auto& e : p.at("items").as_array())
      out.push_back(e.at("seq").to_number<std::int64_t>());
    return out;
  }

  testing::pg_database db_ = testing::pg_database::create();
  testing::redis_db redis_;
  std::optional<testing::backend_process> backend_;
  std::optional<testing::http_client> client_;
};

TEST_F(query_logs, filters_are_exact) {
  EXPECT_EQ(seqs("?service=alpha&level=error"),
            (std::vector<std::int64_t>{40, 35, 30, 25, 20, 15, 10, 5}));
  EXPECT_EQ(seqs("?q=needle%2050%25"), (std::vector<std::int64_t>{17}));  // case, '%' literal
  EXPECT_TRUE(seqs("?q=needle_50").empty());                              // '_' is literal too
  EXPECT_EQ(seqs("?service=alpha&fromSeq=3&toSeq=6"), (std::vector<std::int64_t>{6, 5, 4, 3}));
  // A bounded seq range takes sql::logs_page_collected: same rows, same order, same limit.
  EXPECT_EQ(seqs("?service=alpha&fromSeq=3&toSeq=30&limit=3"),
            (std::vector<std::int64_t>{30, 29, 28}));
  EXPECT_EQ(seqs("?service=alpha&fromSeq=3&toSeq=30&level=error"),
            (std::vector<std::int64_t>{30, 25, 20, 15, 10, 5}));
  EXPECT_EQ(seqs("?service=alpha&fromSeq=3&toSeq=20000&level=error&limit=2"),
            (std::vector<std::int64_t>{40, 35}));  // wider than the bound: logs_page
  EXPECT_EQ(seqs("?service=beta&to=2021-01-01T00:00:00Z").size(), 10u);
  EXPECT_EQ(seqs("?service=beta&from=1609459200000").size(), 10u);  // 2021-01-01 in epoch ms
  EXPECT_EQ(seqs("?level=warn,error&limit=1000").size(), 28u);
  auto one = page("?service=alpha&limit=1");
  auto first = one.at("items").as_array().at(0).as_object();
  EXPECT_EQ(first.at("service").as_string(), "alpha");
  EXPECT_EQ(first.at("seq").to_number<int>(), 40);
  EXPECT_TRUE(first.contains("requestId"));
  EXPECT_TRUE(first.contains("ts"));
}

// Newest first by (ingestedAt, id). Every row of a batch has the same ingestedAt (the time the
// batch was queued), so pages of 7 cut through ties, which the id breaks.
TEST_F(query_logs, cursor_paging_visits_every_row_once_newest_first) {
  std::vector<std::pair<std::string, std::int64_t>> rows;
  std::string cursor;
  for (int pages = 0; pages < 20; ++pages) {
    auto p = page("?limit=7" + (cursor.empty() ? "" : "&cursor=" + cursor));
    for (const auto& e : p.at("items").as_array())
      rows.emplace_back(e.at("ingestedAt").as_string(), e.at("id").to_number<std::int64_t>());
    if (p.at("nextCursor").is_null()) break;
    cursor = p.at("nextCursor").as_string();
  }
  ASSERT_EQ(rows.size(), 60u);
  std::set<std::int64_t> ids;
  for (const auto& r : rows)
    ids.insert(r.second);
  EXPECT_EQ(ids.size(), 60u);
  EXPECT_TRUE(std::is_sorted(rows.rbegin(), rows.rend()));
  std::set<std::string> times;
  for (const auto& r : rows)
    times.insert(r.first);
  EXPECT_LT(times.size(), 60u) << "rows of one batch share their ingestedAt";
}

namespace {

// The page for `target` through the walk (sql::logs_page, bounded by the ts zones) and through
// collect-then-sort (no zones): the first column of each, which must be equal.
std::pair<std::string, std::string> both_ways(pg::connection& c, const std::string& target) {
  auto parsed = query::read_logs_params(target);
  EXPECT_TRUE(std::holds_alternative<query::logs_params>(parsed)) << target;
  const auto& p = std::get<query::logs_params>(parsed);
  std::vector<pg::param> args;
  for (const auto& v : p)
    args.push_back(v ? pg::param(*v) : pg::param());
  auto walked = c.query(query::sql::logs_page, args);
  auto collected = c.query(query::sql::logs_page_collected, args);
  EXPECT_TRUE(walked && collected) << c.last_error();
  if (!walked || !collected) return {};
  return {std::string(walked->get(0, 0)), std::string(collected->get(0, 0))};
}

std::vector<std::int64_t> seqs_of(const std::string& items) {
  std::vector<std::int64_t> out;
  auto parsed = boost::json::parse(items);  // kept: as_array() of a temporary would dangle
  for (const auto& e : parsed.as_array())
    out.push_back(e.at("seq").to_number<std::int64_t>());
  return out;
}

}  // namespace

// The two statements of a page (query/page_plan.h) give the same rows for every window, with
// and without other filters: the choice between them is about speed only.
TEST_F(query_logs, walked_or_collected_a_window_gives_the_same_page) {
  auto c = db_.connect();
  for (std::string target :
       {"/logs?from=2019-12-31T00:00:00Z&to=2020-01-02T00:00:00Z",
        "/logs?from=2019-12-31T00:00:00Z&to=2020-01-02T00:00:00Z&limit=3",
        "/logs?to=2021-01-01T00:00:00Z&level=warn", "/logs?from=2021-01-01T00:00:00Z&q=alpha-1",
        "/logs?from=2021-01-01T00:00:00Z&service=alpha&level=error&limit=2",
        "/logs?from=2021-01-01T00:00:00Z&to=2999-01-01T00:00:00Z&q=needle"}) {
    const auto [walked, collected] = both_ways(c, target);
    EXPECT_EQ(walked, collected) << target;
    EXPECT_NE(walked, "[]") << target << ": the case finds rows";
    auto parsed = query::read_logs_params(target);
    ASSERT_TRUE(std::holds_alternative<query::logs_params>(parsed)) << target;
    auto chosen = query::page_statement(c, std::get<query::logs_params>(parsed));
    ASSERT_TRUE(chosen) << c.last_error();
  }
}

// An old ts window is found through its zones, and so is a row whose ts lies far from its
// ingest time (its zone spans both), in every page of the window.
TEST_F(query_logs, zones_find_old_windows_and_odd_rows) {
  std::string gamma = R"({"service":"gamma","batch":[)";
  for (int s = 1; s <= 30; ++s) {
    if (s > 1) gamma += ',';
    // seqs 1..29 in one minute of 2015; seq 30 in 2010, in the same batch.
    std::string ts =
        s == 30 ? "2010-06-01T12:00:00Z"
                : "2015-03-01T10:00:" + std::string(s < 10 ? "0" : "") + std::to_string(s) + "Z";
    gamma +=
        R"({"seq":)" + std::to_string(s) + R"(,"level":"info","message":"g","ts":")" + ts + R"("})";
  }
  ASSERT_EQ(testing::post_raw(*client_, gamma + "]}").status, 200u);
  ASSERT_TRUE(testing::eventually([&] { return testing::count_rows(db_.url()).rows == 90; }));
  auto c = db_.connect();
  auto zones = c.query("SELECT count(*) FROM logs_ts_zones WHERE min_ts <= '2010-06-01T12:00:00Z'");
  ASSERT_TRUE(zones) << c.last_error();
  EXPECT_NE(zones->get(0, 0), "0") << "the worker's COPY recorded its zone";

  auto [old_w, old_c] = both_ways(c, "/logs?from=2015-03-01T10:00:00Z&to=2015-03-01T10:01:00Z");
  EXPECT_EQ(old_w, old_c);
  EXPECT_EQ(seqs_of(old_w).size(), 29u);
  auto [odd_w, odd_c] = both_ways(c, "/logs?from=2010-01-01T00:00:00Z&to=2011-01-01T00:00:00Z");
  EXPECT_EQ(odd_w, odd_c);
  EXPECT_EQ(seqs_of(odd_w), std::vector<std::int64_t>{30});
  auto [none_w, none_c] = both_ways(c, "/logs?from=2012-01-01T00:00:00Z&to=2013-01-01T00:00:00Z");
  EXPECT_EQ(none_w, "[]");
  EXPECT_EQ(none_c, "[]");
  // Through the handler, paged 7 at a time: every row of 2010-2016 once (gamma's 30).
  std::set<std::int64_t> seen;
  std::string cursor;
  for (int i = 0; i < 10; ++i) {
    auto p = page("?from=2010-01-01T00:00:00Z&to=2016-01-01T00:00:00Z&limit=7" +
                  (cursor.empty() ? "" : "&cursor=" + cursor));
    for (const auto& e : p.at("items").as_array())
      EXPECT_TRUE(seen.insert(e.at("seq").to_number<std::int64_t>()).second);
    if (p.at("nextCursor").is_null()) break;
    cursor = std::string(p.at("nextCursor").as_string());
  }
  EXPECT_EQ(seen.size(), 30u);
}

// Rows stored before the zones existed (migration 0010 backfills them) and rows written by
// hand afterwards (the trigger covers every INSERT) are found like any other.
TEST(query_zones, rows_from_before_the_zones_and_from_any_writer_are_found) {
  auto db = testing::pg_database::create();
  auto c = db.connect();
  auto all = pg::backend_migrations();
  std::size_t before = 0;
  while (before < all.size() && all[before].version < 10)
    ++before;
  ASSERT_LT(before, all.size());
  ASSERT_TRUE(pg::migrate(c, all.first(before))) << c.last_error();
  ASSERT_TRUE(
      c.exec("INSERT INTO logs (service, seq, level, message, ts, ingested_at) "
             "SELECT 'old', g, 'info', 'm', '2018-05-05T00:00:00Z'::timestamptz + "
             "g * interval '1 second', now() - interval '1 hour' "
             "FROM generate_series(1, 50) g"))
      << c.last_error();
  ASSERT_TRUE(pg::migrate(c, all)) << c.last_error();
  ASSERT_TRUE(c.exec(
      "INSERT INTO logs (service, seq, level, message, ts, ingested_at) "
      "VALUES ('new', 1, 'info', 'm', '2018-05-05T00:00:10.5Z', now() - interval '30 minutes')"))
      << c.last_error();
  auto [w, col] = both_ways(c, "/logs?from=2018-05-05T00:00:00Z&to=2018-05-05T00:00:21Z");
  EXPECT_EQ(w, col);
  EXPECT_EQ(seqs_of(w).size(), 21u);  // old 1..20 and new 1
  auto [w2, col2] = both_ways(c, "/logs?from=2018-05-05T00:00:30Z");
  EXPECT_EQ(w2, col2);
  EXPECT_EQ(seqs_of(w2).size(), 21u);  // old 30..50
}

// The weighing itself: an old window is collected, the newest rows are walked to.
TEST(query_page_plan, old_windows_and_rare_matches_are_collected_first) {
  // 10 M rows, a 5-minute window (30 000 rows) 14 h back: 5 M rows newer than it.
  EXPECT_TRUE(query::collect_first({30'000, 5'000'000, 10'000'000, 30'000}, 100));
  // The same window ending now: walk.
  EXPECT_FALSE(query::collect_first({30'000, 0, 10'000'000, 30'000}, 100));
  // A rare term in an hour ending now (360 000 rows, 20 matches): the walk would not stop.
  EXPECT_TRUE(query::collect_first({360'000, 0, 10'000'000, 20}, 100));
  // A common level in the last two hours: walk.
  EXPECT_FALSE(query::collect_first({720'000, 0, 10'000'000, 14'000}, 100));
  // Most of the table: walk.
  EXPECT_FALSE(query::collect_first({8'600'000, 0, 10'000'000, 8'600'000}, 100));
}

TEST_F(query_logs, bad_parameters_are_refused) {
  for (std::string q : {"?limit=0", "?limit=1001", "?level=loud", "?from=yesterday", "?cursor=-3",
                        "?cursor=12", "?cursor=12_x", "?fromSeq=x"}) {
    auto r = client_->get("/logs" + q);
    EXPECT_EQ(r.status, 400u) << q << " -> " << r.body;
  }
}

}  // namespace
}  // namespace tracehub

namespace tracehub {
namespace {

// Queries never hurt the rest: the query routes share a small pool of connections, each
// statement carries a timeout (503 `timeout` past it), and /health has a connection and a thread
// of its own, so it answers at once while every query route waits on a locked table.
TEST(query_pool, slow_queries_time_out_stay_bounded_and_never_hold_up_health) {
  testing::pg_database db = testing::pg_database::create();
  testing::redis_db redis;
  testing::backend_options o{db.url(), redis.url()};
  // No time share (0): this case is about timeouts; the share has its own case below.
  o.env = {{"TRACEHUB_QUERY_TIMEOUT_MS", "2000"},
           {"TRACEHUB_QUERY_CONNECTIONS", "2"},
           {"TRACEHUB_QUERY_SHARE", "0"}};
  auto backend = testing::backend_process::start(o);
  testing::http_client c(backend.port());
  ASSERT_EQ(testing::post_batch(c, "pool", testing::seq_span(1, 10)).status, 200u);
  ASSERT_TRUE(testing::eventually([&] { return testing::count_rows(db.url()).rows == 10; }));

  // An operator's long transaction holds the table: every /logs query now waits on it.
  auto holder = pg::connection::open(db.url());
  ASSERT_TRUE(holder);
  ASSERT_TRUE(holder->exec("BEGIN; LOCK TABLE logs IN ACCESS EXCLUSIVE MODE"));

  std::vector<std::thread> clients;
  std::atomic<int> timeouts{0}, other{0};
  for (int i = 0; i < 20; ++i)
    clients.emplace_back([&] {
      testing::http_client q(backend.port());
      auto r = q.get("/logs?service=pool");
      // 503 `timeout` once the statement timeout passes, or `busy` for those that waited past
      // the pool's acquire timeout for a thread: either way bounded, and never a hang.
      if (r.status == 503 && r.retry_after == "1" &&
          (r.body.find("\"timeout\"") != std::string::npos ||
           r.body.find("\"busy\"") != std::string::npos)) {
        ++timeouts;
      } else {
        ++other;
      }
    });
  // While they wait: /health answers without waiting out a statement timeout (which it would
  // if it queued behind the query routes: 2 s), and the backend holds at most 2 query
  // connections whatever the number of requests.
  for (int i = 0; i < 5; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto h = c.get("/health");
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(h.status, 200u) << h.body;
    EXPECT_LT(took, std::chrono::milliseconds(2000));
    auto count = holder->query(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'tracehub-query'");
    ASSERT_TRUE(count);
    EXPECT_LE(count->get_int(0, 0), 2);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // sampling, not syncing
  }
  for (auto& t : clients)
    t.join();
  EXPECT_EQ(timeouts.load(), 20) << other.load() << " answered otherwise";

  ASSERT_TRUE(holder->exec("ROLLBACK"));
  auto r = c.get("/logs?service=pool");
  EXPECT_EQ(r.status, 200u) << r.body;
}

// The query routes' time share (--query-share) holds readers back, not the operator: once the
// readers have used it up, every query route waits (and answers 503 with Retry-After past the
// acquire timeout), while a control sent meanwhile is applied and recorded at once, on the
// connection the pool keeps for it.
TEST(query_pool, readers_past_their_share_wait_and_controls_still_record) {
  testing::pg_database db = testing::pg_database::create();
  testing::redis_db redis;
  testing::backend_options o{db.url(), redis.url()};
  o.env = {{"TRACEHUB_QUERY_TIMEOUT_MS", "1500"},
           {"TRACEHUB_QUERY_CONNECTIONS", "2"},
           {"TRACEHUB_QUERY_SHARE", "0.05"}};
  auto backend = testing::backend_process::start(o);
  testing::http_client c(backend.port());
  ASSERT_EQ(testing::post_batch(c, "share", testing::seq_span(1, 10)).status, 200u);
  ASSERT_TRUE(testing::eventually([&] { return testing::count_rows(db.url()).rows == 10; }));

  // Two readers stuck on a locked table hold both connections for the statement timeout:
  // 3 s of connection time, a minute of a 5 % share.
  auto holder = pg::connection::open(db.url());
  ASSERT_TRUE(holder);
  ASSERT_TRUE(holder->exec("BEGIN; LOCK TABLE logs IN ACCESS EXCLUSIVE MODE"));
  std::vector<std::thread> held;
  std::atomic<int> timeouts{0};
  for (int i = 0; i < 2; ++i)
    held.emplace_back([&] {
      testing::http_client q(backend.port());
      auto r = q.get("/logs?service=share");
      if (r.status == 503 && r.body.find("\"timeout\"") != std::string::npos &&
          r.retry_after == "1")
        ++timeouts;
    });
  // (pg_stat_activity from another session: the holder's transaction sees one snapshot of it.)
  auto observer = pg::connection::open(db.url());
  ASSERT_TRUE(observer);
  ASSERT_TRUE(testing::eventually([&] {
    auto n = observer->query(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'tracehub-query' AND "
        "wait_event_type = 'Lock'");
    return n && n->get_int(0, 0) == 2;
  }));
  // The operator's action gets the kept connection and is recorded (a null id would say not).
  auto fault = c.post("/metrics/control", R"({"action":"delay_ack","durationMs":1000})");
  EXPECT_EQ(fault.status, 200u) << fault.body;
  EXPECT_EQ(fault.body.find("\"id\":null"), std::string::npos) << fault.body;
  for (auto& t : held)
    t.join();
  EXPECT_EQ(timeouts.load(), 2);
  ASSERT_TRUE(holder->exec("ROLLBACK"));

  // The share is spent: a reader now waits out the acquire timeout and is told to come back.
  auto start = std::chrono::steady_clock::now();
  auto r = c.get("/replays");
  EXPECT_EQ(r.status, 503u) << r.body;
  EXPECT_EQ(r.retry_after, "1");
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
  // The control's record is in sim_events, though readers could not get a query in.
  auto recorded = observer->query("SELECT count(*) FROM sim_events WHERE action = 'delay_ack'");
  ASSERT_TRUE(recorded);
  EXPECT_EQ(recorded->get_int(0, 0), 1);
}

// A hundred readers hammering every Postgres-backed read route (GET /logs, /sim-events,
// /replays, /lost) do not stop ingest: every batch posted meanwhile is ACKed and stored once, and
// the backend's Postgres connections stay those it had idle plus the query pool, however many
// requests wait. The ingest rate with and without the readers is printed (a figure for
// RELIABILITY.md, not a timed assertion).
TEST(query_pool, a_hundred_concurrent_readers_hold_no_extra_connections_and_ingest_goes_on) {
  testing::pg_database db = testing::pg_database::create();
  testing::redis_db redis;
  testing::backend_options o{db.url(), redis.url()};
  o.env = {{"TRACEHUB_QUERY_CONNECTIONS", "3"}};
  auto backend = testing::backend_process::start(o);
  testing::http_client c(backend.port());
  auto observer = pg::connection::open(db.url());
  ASSERT_TRUE(observer);
  // Connections to this test's database other than the observer: (all, the query pool's). An
  // audit round's connection (every 10 s, open for the round only) is not counted: it comes
  // and goes whatever the readers do.
  auto connections = [&] {
    auto r = observer->query(
        "SELECT count(*), count(*) FILTER (WHERE application_name = 'tracehub-query') "
        "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
        "AND application_name <> 'tracehub-audit'");
    EXPECT_TRUE(r);
    return std::pair<std::int64_t, std::int64_t>{r ? r->get_int(0, 0) : -1,
                                                 r ? r->get_int(0, 1) : -1};
  };
  constexpr std::int64_t batch = 200, batches = 50;
  std::int64_t next = 1;
  auto ingest = [&](const std::string& service) {
    auto start = std::chrono::steady_clock::now();
    for (std::int64_t i = 0; i < batches; ++i, next += batch) {
      auto a = testing::post_batch(c, service, testing::seq_span(next, next + batch - 1));
      EXPECT_EQ(a.status, 200u) << a.body;
      EXPECT_EQ(a.num("ackTill"), next + batch - 1);
    }
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  const double alone = ingest("readers");
  ASSERT_TRUE(
      testing::eventually([&] { return testing::count_rows(db.url()).rows == batch * batches; }));
  auto [idle_total, idle_query] = connections();
  const std::int64_t others = idle_total - idle_query;  // workers, poller, health, replay ...

  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> answered{0}, refused{0};
  std::vector<std::thread> readers;
  const char* routes[] = {"/logs?service=readers&limit=500", "/sim-events", "/replays", "/lost"};
  for (int i = 0; i < 100; ++i)
    readers.emplace_back([&, i] {
      testing::http_client q(backend.port());
      while (!stop) {
        auto r = q.get(routes[i % 4]);
        (r.status == 200 ? answered : refused)++;
      }
    });
  std::int64_t worst_others = 0, worst_query = 0;
  std::thread sampler([&] {
    while (!stop) {
      auto [total, query] = connections();
      worst_others = std::max(worst_others, total - query);
      worst_query = std::max(worst_query, query);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // sampling, not syncing
    }
  });
  ASSERT_TRUE(testing::eventually([&] { return answered >= 100; }));
  const double busy = ingest("readers");
  stop = true;
  for (auto& t : readers)
    t.join();
  sampler.join();

  ASSERT_TRUE(testing::eventually(
      [&] { return testing::count_rows(db.url()).rows == 2 * batch * batches; }));
  auto counts = testing::count_rows(db.url(), "readers");
  EXPECT_EQ(counts.distinct_seqs, 2 * batch * batches);
  EXPECT_EQ(counts.max_seq, 2 * batch * batches);
  EXPECT_LE(worst_query, 3);
  EXPECT_LE(worst_others, others) << "a read route opened a connection of its own";
  EXPECT_GT(answered.load(), 100);
  std::printf(
      "ingest of %lld logs: %.3f s alone, %.3f s beside 100 readers (%.2fx); "
      "%lld reads answered, %lld refused (503)\n",
      static_cast<long long>(batch * batches), alone, busy, busy / alone,
      static_cast<long long>(answered.load()), static_cast<long long>(refused.load()));
}

}  // namespace
}  // namespace tracehub
