// The worker's promise (docs/PROTOCOL.md, "Queue entry"): every acknowledged row reaches Postgres
// exactly once, even when the worker is killed with SIGKILL mid-batch, dies between COMMIT and
// XACK, or Postgres is down for a while. Each test posts under load, breaks something, then counts
// rows.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "backend/pg/connection.h"
#include "backend/testing/backend_process.h"
#include "backend/testing/env.h"
#include "backend/testing/pg_database.h"
#include "backend/testing/pipeline.h"
#include "backend/testing/redis_db.h"

namespace tracehub {
namespace {

// Posts batches of `batch` consecutive seqs for `service` until stopped, keeping count of
// the seqs acknowledged. A refused or unanswered batch is re-sent as it was (as a producer
// would). With `ts_ms`, each log carries the ts (epoch ms) it gives its seq when its batch is
// first sent; with `pause`, the producer rests that long after each ACK (a rate, not a
// synchronisation).
class producer {
 public:
  using ts_of = std::function<std::int64_t(std::int64_t seq)>;

  producer(unsigned short port, std::string service, int batch = 500, ts_of ts_ms = {},
           std::chrono::milliseconds pause = {})
      : port_(port),
        service_(std::move(service)),
        batch_(batch),
        ts_ms_(std::move(ts_ms)),
        pause_(pause) {
    thread_ = std::thread([this] { run(); });
  }
  ~producer() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::int64_t acked() const { return acked_; }
  std::int64_t failures() const { return failures_; }
  // After stop(), with `ts_ms`: ts()[seq - 1] is the ts sent with seq, for every seq acked.
  const std::vector<std::int64_t>& ts() const { return ts_; }

 private:
  void run() {
    testing::http_client c(port_);
    std::int64_t next = 1;
    std::string body;  // of the batch from `next`, kept for re-sends
    while (!stop_) {
      if (body.empty()) body = render(next);
      auto a = testing::post_raw(c, body);
      if (a.status != 200 || a.num("missingTotal") != 0) {
        ++failures_;
        continue;
      }
      body.clear();
      next += batch_;
      acked_ = next - 1;
      if (pause_.count() > 0) std::this_thread::sleep_for(pause_);  // the rate, see above
    }
  }

  // The batch of seqs lo..lo+batch_-1: testing::batch_body, each log with its ts if ts_ms_.
  std::string render(std::int64_t lo) {
    const auto seqs = testing::seq_span(lo, lo + batch_ - 1);
    std::vector<std::int64_t> ts;
    if (ts_ms_)
      for (auto s : seqs)
        ts.push_back(ts_ms_(s));
    ts_.insert(ts_.end(), ts.begin(), ts.end());
    return testing::batch_body(service_, seqs, ts);
  }

  unsigned short port_;
  std::string service_;
  int batch_;
  ts_of ts_ms_;
  std::vector<std::int64_t> ts_;  // written by the thread only
  std::chrono::milliseconds pause_;
  std::atomic<bool> stop_{false};
  std::atomic<std::int64_t> acked_{0}, failures_{0};
  std::thread thread_;
};

// The "service/seq" of every row GET /logs finds for the ts window [from_ms, to_ms) alone,
// appended to `out`; a window whose page comes back full is halved until none does.
void window_rows(testing::http_client& c, std::int64_t from_ms, std::int64_t to_ms,
                 std::vector<std::string>& out) {
  constexpr std::size_t limit = 1000;  // the largest page
  auto r = c.get("/logs?from=" + std::to_string(from_ms) + "&to=" + std::to_string(to_ms) +
                 "&limit=" + std::to_string(limit));
  ASSERT_EQ(r.status, 200u) << r.body;
  auto page = boost::json::parse(r.body);  // kept: as_array() of a temporary would dangle
  const auto& items = page.at("items").as_array();
  if (items.size() == limit) {
    ASSERT_GT(to_ms - from_ms, 1) << "more than a page of rows in one millisecond";
    const auto mid = from_ms + (to_ms - from_ms) / 2;
    window_rows(c, from_ms, mid, out);
    window_rows(c, mid, to_ms, out);
    return;
  }
  for (const auto& e : items)
    out.push_back(std::string(e.at("service").as_string()) + "/" +
                  std::to_string(e.at("seq").to_number<std::int64_t>()));
}

// "" when the sorted `got` and `want` are equal, else the first element one has and the
// other lacks.
std::string first_difference(const std::vector<std::string>& got,
                             const std::vector<std::string>& want) {
  auto [g, w] = std::mismatch(got.begin(), got.end(), want.begin(), want.end());
  if (g == got.end() && w == want.end()) return "";
  if (w == want.end() || (g != got.end() && *g < *w))
    return "found but not acked (or twice): " + *g;
  return "acked but not found: " + *w;
}

class worker_crash : public ::testing::Test {
 protected:
  testing::backend_options api() const {
    testing::backend_options o{db_.url(), redis_.url()};
    o.role = "api";
    return o;
  }
  testing::backend_options worker(std::vector<std::pair<std::string, std::string>> env = {}) {
    testing::backend_options o{db_.url(), redis_.url()};
    o.role = "worker";
    o.consumer = "crashy";
    o.env = std::move(env);
    return o;
  }
  // Every seq 1..n of `service` stored exactly once, and the queues empty. The producers post
  // at full speed, so the backlog (millions of rows on a fast machine) drains at whatever rate
  // the machine allows: the wait lasts while the queues keep shrinking, and fails after 60 s
  // without progress (or 15 min in all).
  void expect_exactly(const std::string& service, std::int64_t n) {
    std::int64_t best = -1;
    auto progress_at = std::chrono::steady_clock::now();
    const auto give_up = progress_at + std::chrono::minutes(15);
    bool done = false;
    while (!done && std::chrono::steady_clock::now() < give_up &&
           std::chrono::steady_clock::now() - progress_at < std::chrono::seconds(60)) {
      auto rows = testing::count_rows(db_.url(), service).rows;
      const auto queued =
          redis_.integer({"XLEN", "queue:logs"}) + redis_.integer({"XLEN", "queue:retry"});
      done = rows >= n && queued == 0;
      if (rows > best) {
        best = rows;
        progress_at = std::chrono::steady_clock::now();
      }
      if (!done) std::this_thread::sleep_for(std::chrono::milliseconds(100));  // polling
    }
    auto c = testing::count_rows(db_.url(), service);
    EXPECT_TRUE(done) << "rows " << c.rows << " of " << n;
    EXPECT_EQ(c.rows, n);
    EXPECT_EQ(c.distinct_seqs, n);
    EXPECT_EQ(c.min_seq, 1);
    EXPECT_EQ(c.max_seq, n);
  }
  // One producer per service, batches of 50 every 20 ms.
  static std::vector<std::unique_ptr<producer>> start_load(unsigned short port,
                                                           const std::vector<std::string>& services,
                                                           const producer::ts_of& ts) {
    std::vector<std::unique_ptr<producer>> load;
    for (const auto& s : services)
      load.push_back(std::make_unique<producer>(port, s, 50, ts, std::chrono::milliseconds(20)));
    return load;
  }
  static std::int64_t total_acked(const std::vector<std::unique_ptr<producer>>& load) {
    std::int64_t n = 0;
    for (const auto& p : load)
      n += p->acked();
    return n;
  }

  bool wait_rows_above(std::int64_t n) {
    return testing::eventually([&] { return testing::count_rows(db_.url()).rows > n; });
  }
  // SIGKILLs `w` while its COPY into logs is in flight. A transaction of the test holds
  // logs_ts_zones in EXCLUSIVE mode (reads go on; the zone trigger's upsert waits), so the
  // worker's next COPY sends its rows and then waits at its statement's end, where the kill
  // lands. The lock is then released, and the orphaned session, which never sent COMMIT, ends
  // with its transaction rolled back before this returns.
  ::testing::AssertionResult kill_worker_mid_copy(testing::backend_process& w) {
    auto holder = db_.connect();
    auto observer = db_.connect();
    if (!holder.exec("BEGIN; LOCK TABLE logs_ts_zones IN EXCLUSIVE MODE"))
      return ::testing::AssertionFailure() << holder.last_error();
    std::string copying;  // the pid of the worker's session
    const bool in_flight = testing::eventually(
        [&] {
          auto r = observer.query(
              "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
              "AND wait_event_type = 'Lock' AND query LIKE 'COPY logs (%'");
          if (r && r->size() > 0) copying = r->get(0, 0);
          return !copying.empty();
        },
        std::chrono::seconds(10));
    w.kill9();
    if (!holder.exec("ROLLBACK")) return ::testing::AssertionFailure() << holder.last_error();
    if (!in_flight) return ::testing::AssertionFailure() << "no COPY of the worker was in flight";
    pg::param pid[] = {copying};
    const bool orphan_gone = testing::eventually([&] {
      auto r = observer.query("SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int", pid);
      return r && r->get_int(0, 0) == 0;
    });
    if (!orphan_gone) return ::testing::AssertionFailure() << "session " << copying << " lingers";
    return ::testing::AssertionSuccess();
  }

  testing::pg_database db_ = testing::pg_database::create();
  testing::redis_db redis_;
};

TEST_F(worker_crash, worker_killed_mid_batch_loses_and_duplicates_nothing) {
  auto ingest = testing::backend_process::start(api());
  std::optional<testing::backend_process> w = testing::backend_process::start(worker());
  producer p(ingest.port(), "kill9");
  for (int round = 0; round < 4; ++round) {
    ASSERT_TRUE(wait_rows_above(testing::count_rows(db_.url()).rows + 2000));
    w->kill9();  // mid-flight: the producer keeps posting, batches pile up unacknowledged
    ASSERT_TRUE(testing::eventually([&] { return redis_.integer({"XLEN", "queue:logs"}) > 2; }));
    w.emplace(testing::backend_process::start(worker()));
  }
  p.stop();
  ASSERT_GT(p.acked(), 8000);
  EXPECT_EQ(p.failures(), 0);
  expect_exactly("kill9", p.acked());
}

// A worker reads its next group of entries while it writes one (docs/PROTOCOL.md, "The worker").
// Stopped (SIGTERM) under load, it writes the group it read ahead as well: nothing it read stays
// pending, so nothing waits --claim-idle-ms for a worker under another name to take it over.
TEST_F(worker_crash, a_stopped_worker_leaves_nothing_it_read_pending) {
  auto ingest = testing::backend_process::start(api());
  std::optional<testing::backend_process> w = testing::backend_process::start(worker());
  producer p(ingest.port(), "stopped");
  auto pending = [this] {
    auto c = redis_.connect();
    auto r = c.command({"XPENDING", "queue:logs", "workers"});  // [count, first, last, consumers]
    return r && r->view().is_array() && r->view().size() >= 1 ? r->view()[0].integer() : -1;
  };
  for (int round = 0; round < 3; ++round) {
    ASSERT_TRUE(wait_rows_above(testing::count_rows(db_.url()).rows + 5000));
    w->terminate();
    EXPECT_EQ(pending(), 0) << "round " << round;
    auto next = worker();
    next.consumer = "after-stop-" + std::to_string(round);
    w.emplace(testing::backend_process::start(next));
  }
  p.stop();
  ASSERT_GT(p.acked(), 15000);
  EXPECT_EQ(p.failures(), 0);
  expect_exactly("stopped", p.acked());
}

// Regression for the window between COMMIT and XACK: the entries come back to a restarted
// worker whose COPY then meets rows already stored; they must be skipped, not doubled or lost.
TEST_F(worker_crash, death_between_commit_and_ack_is_redone_without_duplicates) {
  auto ingest = testing::backend_process::start(api());
  testing::http_client c(ingest.port());
  for (std::int64_t b = 0; b < 20; ++b)
    ASSERT_EQ(testing::post_batch(c, "twice", testing::seq_span(b * 100 + 1, b * 100 + 100)).status,
              200u);
  auto crashing =
      testing::backend_process::spawn(worker({{"TRACEHUB_TEST_CRASH_AFTER_COMMIT", "1"}}));
  ASSERT_TRUE(testing::eventually([&] { return !crashing.running(); }));
  auto committed = testing::count_rows(db_.url(), "twice").rows;
  ASSERT_GT(committed, 0);
  EXPECT_GT(redis_.integer({"XLEN", "queue:logs"}), 0);  // committed entries not acknowledged
  auto w = testing::backend_process::start(worker());
  expect_exactly("twice", 2000);
}

TEST_F(worker_crash, postgres_down_for_ten_seconds_under_load_loses_nothing) {
  std::string stop_pg = testing::require_env("TRACEHUB_TEST_PG_STOP");
  std::string start_pg = testing::require_env("TRACEHUB_TEST_PG_START");
  auto backend = testing::backend_process::start({db_.url(), redis_.url()});
  producer p(backend.port(), "outage");
  ASSERT_TRUE(wait_rows_above(2000));
  ASSERT_EQ(std::system(stop_pg.c_str()), 0);
  auto acked_at_stop = p.acked();
  // Deliberately an outage of 10 s (the scenario), not a wait for a condition.
  std::this_thread::sleep_for(std::chrono::seconds(10));
  EXPECT_GT(p.acked(), acked_at_stop) << "ingest must keep acknowledging while Postgres is down";
  EXPECT_GT(redis_.integer({"XLEN", "queue:retry"}), 0) << "failed batches move to queue:retry";
  EXPECT_GT(redis_.integer({"XLEN", "queue:logs"}), 0) << "the queue grows during the outage";
  ASSERT_EQ(std::system(start_pg.c_str()), 0);
  ASSERT_TRUE(testing::eventually([&] { return p.acked() > acked_at_stop + 5000; }));
  p.stop();
  expect_exactly("outage", p.acked());
}

// Regression: Postgres killed under load (the failing entries move to queue:retry and stay
// pending there for the worker that keeps retrying them), then the worker process killed too.
// The restarted worker never read queue:retry again: 12 800 acknowledged logs stayed out of
// Postgres with /health green. Now a worker re-reads its own pending entries of both streams
// at start and looks at queue:retry whenever Postgres answers.
TEST_F(worker_crash, postgres_then_worker_killed_under_load_strands_nothing) {
  std::string kill_pg = testing::require_env("TRACEHUB_TEST_PG_KILL");
  std::string start_pg = testing::require_env("TRACEHUB_TEST_PG_START");
  auto ingest = testing::backend_process::start(api());
  std::optional<testing::backend_process> w = testing::backend_process::start(worker());
  producer p(ingest.port(), "stranded");
  ASSERT_TRUE(wait_rows_above(2000));
  ASSERT_EQ(std::system(kill_pg.c_str()), 0);
  ASSERT_TRUE(testing::eventually([&] { return redis_.integer({"XLEN", "queue:retry"}) > 0; }));
  ASSERT_TRUE(testing::eventually([&] {
    return redis_.integer({"XLEN", "queue:retry"}) > 0 &&
           redis_.integer({"XLEN", "queue:logs"}) > 2;
  }));
  w->kill9();
  w.reset();
  ASSERT_EQ(std::system(start_pg.c_str()), 0);
  w.emplace(testing::backend_process::start(worker()));
  ASSERT_TRUE(testing::eventually([&] { return p.acked() > 12'000; }));
  p.stop();
  expect_exactly("stranded", p.acked());
}

// The same, but the worker comes back under another name (a host renamed, a layout changed):
// the dead consumer's pending entries of both streams are claimed once idle long enough.
TEST_F(worker_crash, pending_entries_of_a_vanished_worker_are_claimed_on_both_streams) {
  std::string kill_pg = testing::require_env("TRACEHUB_TEST_PG_KILL");
  std::string start_pg = testing::require_env("TRACEHUB_TEST_PG_START");
  auto ingest = testing::backend_process::start(api());
  std::optional<testing::backend_process> w = testing::backend_process::start(worker());
  producer p(ingest.port(), "orphaned");
  ASSERT_TRUE(wait_rows_above(2000));
  ASSERT_EQ(std::system(kill_pg.c_str()), 0);
  ASSERT_TRUE(testing::eventually([&] { return redis_.integer({"XLEN", "queue:retry"}) > 0; }));
  w->kill9();
  w.reset();
  p.stop();
  ASSERT_EQ(std::system(start_pg.c_str()), 0);
  auto other = worker({{"TRACEHUB_CLAIM_IDLE_MS", "2000"}});
  other.consumer = "successor";
  auto successor = testing::backend_process::start(other);
  expect_exactly("orphaned", p.acked());
}

// docs/PROTOCOL.md, "Several instances": two API instances and two workers on one Redis and one
// Postgres give the same result as one: the ACKs are consistent and every row lands once.
TEST_F(worker_crash, two_instances_and_two_workers_give_the_same_result) {
  auto a1 = testing::backend_process::start(api());
  auto a2 = testing::backend_process::start(api());
  auto w1 = worker(), w2 = worker();
  w1.consumer = "w-a";
  w2.consumer = "w-b";
  auto p1 = testing::backend_process::start(w1);
  auto p2 = testing::backend_process::start(w2);
  std::atomic<std::int64_t> accepted{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < 4; ++t)
    pool.emplace_back([&, t] {
      testing::http_client c(t % 2 ? a1.port() : a2.port());
      for (std::int64_t k = 0; k < 100; ++k) {
        std::vector<std::int64_t> seqs;
        for (std::int64_t s = 0; s < 50; ++s)
          seqs.push_back(1 + t + 4 * (k * 50 + s));
        accepted += testing::post_batch(c, "multi", seqs).num("accepted");
      }
    });
  for (auto& th : pool)
    th.join();
  EXPECT_EQ(accepted, 20'000);
  testing::http_client c(a1.port());
  auto a = testing::post_batch(c, "multi", {1});
  EXPECT_EQ(a.num("ackTill"), 20'000);
  EXPECT_EQ(a.num("missingTotal"), 0);
  expect_exactly("multi", 20'000);
}

// Regression: a worker SIGKILLed while its COPY waited on a lock left its Postgres session
// behind (the server notices a dead client only when it next writes to it), holding its
// uncommitted (service, seq) index entries until the lock went: the restarted worker then
// waited on them, for as long as the lock was held. Now every session asks the server to check
// its client (docs/PROTOCOL.md, "Postgres sessions"), so the orphan ends while the lock is still
// held, and the rows it had sent are stored once, by the next worker.
TEST_F(worker_crash, session_of_a_worker_killed_mid_copy_ends_while_the_lock_is_held) {
  auto ingest = testing::backend_process::start(api());
  std::optional<testing::backend_process> w = testing::backend_process::start(worker());
  auto holder = db_.connect();
  auto observer = db_.connect();
  auto holder_pid = holder.query("SELECT pg_backend_pid()");
  ASSERT_TRUE(holder_pid) << holder.last_error();
  const std::string holder_pid_text(holder_pid->get(0, 0));
  // As in kill_worker_mid_copy: with logs_ts_zones locked, the worker's COPY waits at its end.
  ASSERT_TRUE(holder.exec("BEGIN; LOCK TABLE logs_ts_zones IN EXCLUSIVE MODE"))
      << holder.last_error();
  testing::http_client c(ingest.port());
  ASSERT_EQ(testing::post_batch(c, "orphan", testing::seq_span(1, 500)).status, 200u);
  std::string copying;  // the pid of the worker's session
  ASSERT_TRUE(testing::eventually(
      [&] {
        auto r = observer.query(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query LIKE 'COPY logs (%'");
        if (r && r->size() > 0) copying = r->get(0, 0);
        return !copying.empty();
      },
      std::chrono::seconds(10)))
      << "no COPY of the worker waited on the lock";

  w->kill9();
  const auto killed_at = std::chrono::steady_clock::now();
  // Well over the interval; without the check the session stays until the lock is released.
  const auto deadline = 5 * pg::client_check_interval;
  pg::param pid[] = {copying};
  const bool orphan_gone = testing::eventually(
      [&] {
        auto r = observer.query("SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int", pid);
        return r && r->get_int(0, 0) == 0;
      },
      deadline);
  const auto gone_after = std::chrono::steady_clock::now() - killed_at;
  pg::param holder_param[] = {holder_pid_text};
  auto held = observer.query(
      "SELECT count(*) FROM pg_locks WHERE pid = $1::int AND granted "
      "AND relation = 'logs_ts_zones'::regclass AND mode = 'ExclusiveLock'",
      holder_param);
  ASSERT_TRUE(held) << observer.last_error();
  EXPECT_EQ(held->get_int(0, 0), 1) << "the lock must still be held when the orphan is gone";
  ASSERT_TRUE(holder.exec("ROLLBACK")) << holder.last_error();
  ASSERT_TRUE(orphan_gone) << "session " << copying << " of the killed worker outlived "
                           << deadline.count() << " ms while the lock was held";
  std::printf("the orphaned session ended %.2f s after the kill\n",
              std::chrono::duration<double>(gone_after).count());

  w.emplace(testing::backend_process::start(worker()));
  expect_exactly("orphan", 500);
}

// Zones (docs/PROTOCOL.md, "Retention", time windows) through faults in a row: a row committed
// without its zone would be invisible to every GET /logs with a ts window. Under load, with
// each log's ts in one of ten minutes (the last five, and one to five hours back), the worker is
// killed mid-COPY, Postgres is stopped for a few seconds while ingest goes on ACKing, and the
// worker is killed mid-COPY again; then every ACKed row is stored once, every row lies inside
// a zone of its minute of ingest, and windows of one minute of ts, through the handler (a
// window alone is walked within the zones, query/page_plan.h), find exactly the ACKed rows.
TEST_F(worker_crash, zones_cover_every_row_through_a_kill_an_outage_and_a_kill) {
  std::string stop_pg = testing::require_env("TRACEHUB_TEST_PG_STOP");
  std::string start_pg = testing::require_env("TRACEHUB_TEST_PG_START");
  const std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  const std::int64_t minute_ms = 60'000, hour_ms = 60 * minute_ms;
  const std::int64_t this_minute = now_ms - now_ms % minute_ms;
  // Each phase p of the test (0 before the first kill, 1 after it, 2 the outage, 3 after it,
  // 4 after the second kill) gives its logs two minutes of ts of their own: p minutes and p + 1
  // hours back, in runs of 7 seqs, spread inside the minute. So the zones of different phases
  // differ, and one that a write path failed to record is less likely hidden by the others.
  std::atomic<int> phase{0};
  auto ts_of = [&phase, this_minute](std::int64_t seq) {
    const std::int64_t p = phase;
    const std::int64_t back = (seq / 7) % 2 ? p * minute_ms : (p + 1) * hour_ms;
    return this_minute - back + (seq * 7919) % minute_ms;
  };
  const std::vector<std::string> services = {"zones-a", "zones-b"};

  auto ingest = testing::backend_process::start(api());
  std::optional<testing::backend_process> w = testing::backend_process::start(worker());
  auto load = start_load(ingest.port(), services, ts_of);
  auto acked = [&] { return total_acked(load); };
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(wait_rows_above(2000));

  ASSERT_TRUE(kill_worker_mid_copy(*w));
  w.emplace(testing::backend_process::start(worker()));
  phase = 1;
  ASSERT_TRUE(wait_rows_above(testing::count_rows(db_.url()).rows + 2000));

  ASSERT_EQ(std::system(stop_pg.c_str()), 0);
  const auto down_at = std::chrono::steady_clock::now();
  phase = 2;
  const auto acked_at_stop = acked();
  // The outage lasts 3 s (the scenario, not a wait for a condition), and ingest must ACK on.
  EXPECT_TRUE(testing::eventually([&] {
    return std::chrono::steady_clock::now() - down_at >= std::chrono::seconds(3) &&
           acked() > acked_at_stop + 2000;
  })) << "ingest must keep acknowledging while Postgres is down";
  EXPECT_GT(redis_.integer({"XLEN", "queue:logs"}), 0) << "the queue grows during the outage";
  ASSERT_EQ(std::system(start_pg.c_str()), 0);
  phase = 3;
  // Counted once Postgres is back: the worker stored rows after the outage before it is killed.
  ASSERT_TRUE(wait_rows_above(testing::count_rows(db_.url()).rows + 2000));

  ASSERT_TRUE(kill_worker_mid_copy(*w));
  w.emplace(testing::backend_process::start(worker()));
  phase = 4;
  const auto acked_at_restart = acked();
  ASSERT_TRUE(testing::eventually([&] { return acked() > acked_at_restart + 1000; }));
  for (const auto& p : load)
    p->stop();
  for (std::size_t i = 0; i < services.size(); ++i)
    expect_exactly(services[i], load[i]->acked());
  const auto drained = std::chrono::steady_clock::now();

  // Every committed row inside a zone of its minute of ingest (the invariant the walk needs).
  auto c = db_.connect();
  auto zones = c.query(
      "SELECT count(*), count(DISTINCT date_trunc('minute', l.ingested_at)), "
      "count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM logs_ts_zones z "
      "WHERE z.minute = date_trunc('minute', l.ingested_at) "
      "AND l.ts BETWEEN z.min_ts AND z.max_ts)), "
      "(SELECT count(*) FROM logs_ts_zones) FROM logs l");
  ASSERT_TRUE(zones) << c.last_error();
  EXPECT_EQ(zones->get_int(0, 0), acked());
  EXPECT_EQ(zones->get_int(0, 2), 0) << "rows outside every zone of their minute";

  // Every ACKed row, and nothing else, through windows of one minute of ts.
  std::map<std::int64_t, std::vector<std::string>> expected;  // minute of ts -> service/seq
  for (std::size_t i = 0; i < services.size(); ++i)
    for (std::int64_t seq = 1; seq <= load[i]->acked(); ++seq) {
      const auto ts = load[i]->ts()[seq - 1];
      expected[ts - ts % minute_ms].push_back(services[i] + "/" + std::to_string(seq));
    }
  EXPECT_EQ(expected.size(), 10u) << "every phase's two minutes of ts hold ACKed rows";
  testing::http_client q(ingest.port());
  for (auto& [m, want] : expected) {
    std::vector<std::string> rows;
    // In pieces of about 600 rows (seqs spread evenly over the minute), so few pages come back
    // full and need halving: each page of a window walks most of the table.
    const auto pieces = static_cast<std::int64_t>(want.size()) / 600 + 1;
    for (std::int64_t k = 0; k < pieces; ++k)
      window_rows(q, m + k * minute_ms / pieces, m + (k + 1) * minute_ms / pieces, rows);
    std::sort(rows.begin(), rows.end());
    std::sort(want.begin(), want.end());
    EXPECT_EQ(rows.size(), want.size()) << "minute " << m;
    EXPECT_EQ(first_difference(rows, want), "") << "minute " << m;
  }
  std::printf(
      "%lld rows acked and stored once, %lld minutes of ingest, %lld zones; faults and drain "
      "%.1f s, checks %.1f s\n",
      static_cast<long long>(acked()), static_cast<long long>(zones->get_int(0, 1)),
      static_cast<long long>(zones->get_int(0, 3)),
      std::chrono::duration<double>(drained - started).count(),
      std::chrono::duration<double>(std::chrono::steady_clock::now() - drained).count());
}

// Dead letters (docs/PROTOCOL.md, "Dead letters") through faults in a row. Under load from
// three services, Postgres is stopped and ingest goes on ACKing; during that backlog a fourth
// service posts batches with logs a CHECK constraint refuses. Postgres comes back, and the worker
// is SIGKILLed while it isolates the refused logs: a transaction of the test holds an
// uncommitted row with a seq of the first refused batch (after its refused log, so the fast
// COPY fails on the refused log first), and the worker's isolating INSERT, which has to wait for
// that row, is seen waiting on the test in pg_stat_activity before the kill. A new worker
// drains. Then every ACKed seq is in logs exactly once, except the refused ones, which are in
// dead_letters alone, each once, with Postgres' reason and one attempt; the other services'
// logs are all stored, and nothing else is.
TEST_F(worker_crash, refused_logs_in_a_backlog_survive_a_kill_while_they_are_isolated) {
  std::string stop_pg = testing::require_env("TRACEHUB_TEST_PG_STOP");
  std::string start_pg = testing::require_env("TRACEHUB_TEST_PG_START");
  auto ingest = testing::backend_process::start(api());
  {
    auto c = db_.connect();  // the api process ran the migrations
    ASSERT_TRUE(c.exec("ALTER TABLE logs ADD CONSTRAINT no_poison CHECK (message <> 'poison')"))
        << c.last_error();
  }
  std::optional<testing::backend_process> w = testing::backend_process::start(worker());
  const std::vector<std::string> services = {"steady-a", "steady-b", "steady-c"};
  auto load = start_load(ingest.port(), services, producer::ts_of{});
  auto acked = [&] { return total_acked(load); };
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(wait_rows_above(2000));

  ASSERT_EQ(std::system(stop_pg.c_str()), 0);
  const auto acked_at_stop = acked();
  // 10 batches of 50 seqs, the even ones with a refused log at lo + 9. `held` follows the first
  // refused log in its batch; `at_ms`, taken at that batch's ACK, is its ingest time give or take
  // the round trip: the held row must fall in the partition of the batch's rows, where their
  // unique key is (migration 0008), and a partition boundary inside that round trip fails the
  // test rather than passing it.
  const std::string poisoned = "poisoned";
  const std::int64_t batches = 10, batch = 50, held = 31;
  std::vector<std::int64_t> refused;
  std::int64_t at_ms = 0;
  testing::http_client c(ingest.port());
  for (std::int64_t b = 0; b < batches; ++b) {
    const std::int64_t lo = b * batch + 1;
    std::vector<std::int64_t> poison;
    if (b % 2 == 0) poison.push_back(lo + 9);
    refused.insert(refused.end(), poison.begin(), poison.end());
    auto a = testing::post_raw(
        c, testing::batch_body(poisoned, testing::seq_span(lo, lo + batch - 1), {}, poison));
    ASSERT_EQ(a.status, 200u) << boost::json::serialize(a.body);
    ASSERT_EQ(a.num("missingTotal"), 0);
    if (b == 0)
      at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  }
  EXPECT_TRUE(testing::eventually([&] {
    return acked() > acked_at_stop + 2000 && redis_.integer({"XLEN", "queue:retry"}) > 0;
  })) << "ingest must keep acknowledging, and the worker hold what it read in queue:retry";
  EXPECT_GT(redis_.integer({"XLEN", "queue:logs"}), 0) << "the queue grows during the outage";

  // The worker is frozen across the restart (a stalled process, nothing more), so the held
  // row is in place before its first write.
  ASSERT_EQ(::kill(w->pid(), SIGSTOP), 0);
  ASSERT_EQ(std::system(start_pg.c_str()), 0);
  auto holder = db_.connect();
  auto observer = db_.connect();
  auto holder_pid = holder.query("SELECT pg_backend_pid()");
  ASSERT_TRUE(holder_pid) << holder.last_error();
  const std::string holder_id(holder_pid->get(0, 0));
  const std::string held_seq = std::to_string(held), held_at = std::to_string(at_ms);
  pg::param row[] = {poisoned, held_seq, held_at};
  ASSERT_TRUE(holder.exec("BEGIN")) << holder.last_error();
  ASSERT_TRUE(
      holder.query("INSERT INTO logs (service, seq, level, message, ts, ingested_at) "
                   "VALUES ($1, $2::bigint, 'info', 'held', now(), "
                   "to_timestamp($3::bigint / 1000.0))",
                   row))
      << holder.last_error();
  ASSERT_EQ(::kill(w->pid(), SIGCONT), 0);

  std::string isolating;  // the pid of the worker's session
  pg::param blocker[] = {holder_id};
  const bool waits = testing::eventually(
      [&] {
        auto r = observer.query(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query LIKE 'WITH ins AS (INSERT INTO logs %' "
            "AND $1::int = ANY (pg_blocking_pids(pid))",
            blocker);
        if (r && r->size() > 0) isolating = r->get(0, 0);
        return !isolating.empty();
      },
      std::chrono::seconds(30));
  w->kill9();
  ASSERT_TRUE(holder.exec("ROLLBACK")) << holder.last_error();
  ASSERT_TRUE(waits) << "the worker never isolated the refused logs";
  pg::param orphan[] = {isolating};
  ASSERT_TRUE(testing::eventually([&] {
    auto r = observer.query("SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int", orphan);
    return r && r->get_int(0, 0) == 0;
  })) << "session "
      << isolating << " lingers";
  // The kill landed inside the isolating transaction: none of its work was committed.
  EXPECT_EQ(testing::count_rows(db_.url(), poisoned).rows, 0);
  auto none = observer.query("SELECT count(*) FROM dead_letters");
  ASSERT_TRUE(none) << observer.last_error();
  EXPECT_EQ(none->get_int(0, 0), 0);

  w.emplace(testing::backend_process::start(worker()));
  const auto acked_at_restart = acked();
  ASSERT_TRUE(testing::eventually([&] { return acked() > acked_at_restart + 1000; }));
  for (const auto& p : load)
    p->stop();
  for (std::size_t i = 0; i < services.size(); ++i) {
    EXPECT_EQ(load[i]->failures(), 0) << services[i];
    expect_exactly(services[i], load[i]->acked());
  }
  const auto drained = std::chrono::steady_clock::now();

  // The poisoned service: every seq stored once but the refused ones, which are not stored.
  const auto kept = testing::count_rows(db_.url(), poisoned);
  const auto refused_count = static_cast<std::int64_t>(refused.size());
  EXPECT_EQ(kept.rows, batches * batch - refused_count);
  EXPECT_EQ(kept.distinct_seqs, kept.rows);
  EXPECT_EQ(kept.min_seq, 1);
  EXPECT_EQ(kept.max_seq, batches * batch);
  auto stored_refused =
      observer.query("SELECT count(*) FROM logs WHERE service = 'poisoned' AND message = 'poison'");
  ASSERT_TRUE(stored_refused) << observer.last_error();
  EXPECT_EQ(stored_refused->get_int(0, 0), 0);
  // Each refused log dead-lettered once, with Postgres' reason, and nothing else is.
  auto dead = observer.query(
      "SELECT service, seq, attempts, reason, resolved_at IS NULL FROM dead_letters ORDER BY seq");
  ASSERT_TRUE(dead) << observer.last_error();
  ASSERT_EQ(dead->size(), refused.size());
  for (std::size_t i = 0; i < dead->size(); ++i) {
    EXPECT_EQ(dead->get(i, 0), poisoned);
    EXPECT_EQ(dead->get_int(i, 1), refused[i]);
    EXPECT_EQ(dead->get_int(i, 2), 1) << "seq " << refused[i] << ": attempts";
    EXPECT_NE(dead->get(i, 3).find("no_poison"), std::string::npos) << dead->get(i, 3);
    EXPECT_EQ(dead->get(i, 4), "t") << "seq " << refused[i] << " resolved";
  }
  auto both =
      observer.query("SELECT count(*) FROM dead_letters d JOIN logs l USING (service, seq)");
  ASSERT_TRUE(both) << observer.last_error();
  EXPECT_EQ(both->get_int(0, 0), 0) << "stored and dead-lettered";
  EXPECT_EQ(testing::count_rows(db_.url()).rows, acked() + batches * batch - refused_count)
      << "rows nobody ACKed";
  std::printf("%lld rows acked, %lld dead-lettered; faults and drain %.1f s\n",
              static_cast<long long>(acked() + batches * batch),
              static_cast<long long>(refused_count),
              std::chrono::duration<double>(drained - started).count());
}

}  // namespace
}  // namespace tracehub
