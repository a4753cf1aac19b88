// The worker's promise (docs/PROTOCOL.md, "Queue entry"): every acknowledged row reaches Postgres
// exactly once, even when the worker is killed with SIGKILL mid-batch, dies between COMMIT and
// XACK, or Postgres is down for a while. Each test posts under load, breaks something, then counts
// rows.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "backend/testing/backend_process.h"
#include "backend/testing/env.h"
#include "backend/testing/pg_database.h"
#include "backend/testing/pipeline.h"
#include "backend/testing/redis_db.h"

namespace tracehub {
namespace {

// Posts batches of `batch` consecutive seqs for `service` until stopped, keeping count of
// the seqs acknowledged. A refused or unanswered batch is re-sent (as a producer would).
class producer {
 public:
  producer(unsigned short port, std::string service, int batch = 500)
      : port_(port), service_(std::move(service)), batch_(batch) {
    thread_ = std::thread([this] { run(); });
  }
  ~producer() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::int64_t acked() const { return acked_; }
  std::int64_t failures() const { return failures_; }

 private:
  void run() {
    testing::http_client c(port_);
    std::int64_t next = 1;
    while (!stop_) {
      auto a = testing::post_batch(c, service_, testing::seq_span(next, next + batch_ - 1));
      if (a.status != 200 || a.num("missingTotal") != 0) {
        ++failures_;
        continue;
      }
      next += batch_;
      acked_ = next - 1;
    }
  }

  unsigned short port_;
  std::string service_;
  int batch_;
  std::atomic<bool> stop_{false};
  std::atomic<std::int64_t> acked_{0}, failures_{0};
  std::thread thread_;
};

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
  bool wait_rows_above(std::int64_t n) {
    return testing::eventually([&] { return testing::count_rows(db_.url()).rows > n; });
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

}  // namespace
}  // namespace tracehub
