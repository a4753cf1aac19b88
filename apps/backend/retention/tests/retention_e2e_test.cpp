// Retention end to end (docs/PROTOCOL.md, "Retention"): the real backend with a retention of a
// few seconds (1 s partitions) under load. Rows expire a chunk at a time while producers post;
// every acknowledged seq not yet expired is stored exactly once; nothing is doubled across a
// partition boundary, whether an entry is redelivered or a seq sent again; the audit reports
// nothing lost; GET /logs says how far back the data goes. (The ingest rate during a removal
// against without one is a benchmark: tracehub-retention-bench, BENCHMARKS.md.)
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <boost/json.hpp>

#include "backend/testing/backend_process.h"
#include "backend/testing/pg_database.h"
#include "backend/testing/pipeline.h"
#include "backend/testing/redis_db.h"

namespace tracehub {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

// Posts batches of `batch` consecutive seqs of `service` until stopped, one every `every` at
// most (0: as fast as acknowledged); counts what was acknowledged. A refused batch is sent
// again, as a producer would.
class producer {
 public:
  producer(unsigned short port, std::string service, int batch = 200,
           std::chrono::milliseconds every = 0ms)
      : port_(port), service_(std::move(service)), batch_(batch), every_(every) {
    thread_ = std::thread([this] { run(); });
  }
  ~producer() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::int64_t acked() const { return acked_; }

 private:
  void run() {
    testing::http_client c(port_);
    std::int64_t next = 1;
    auto due = std::chrono::steady_clock::now();
    while (!stop_) {
      std::this_thread::sleep_until(due);  // pacing: the load's rate, not a synchronisation
      due += every_;
      auto a = testing::post_batch(c, service_, testing::seq_span(next, next + batch_ - 1));
      if (a.status != 200 || a.num("missingTotal") != 0) continue;
      next += batch_;
      acked_ = next - 1;
    }
  }

  unsigned short port_;
  std::string service_;
  int batch_;
  std::chrono::milliseconds every_;
  std::atomic<bool> stop_{false};
  std::atomic<std::int64_t> acked_{0};
  std::thread thread_;
};

// One consistent look at a service's rows and what retention removed of it (one statement,
// one snapshot), taken when no removal is half-done (a detached chunk is recorded in
// logs_expired in the transaction that drops it).
struct look {
  std::int64_t rows = 0, distinct = 0, min = 0, max = 0, expired_till = 0, removing = 0;
};

class retention_e2e : public ::testing::Test {
 protected:
  testing::backend_options opts(std::string role, std::string retention) {
    testing::backend_options o{db_.url(), redis_.url()};
    o.role = std::move(role);
    o.env = {{"TRACEHUB_RETENTION", std::move(retention)}, {"TRACEHUB_AUDIT_INTERVAL_MS", "0"}};
    return o;
  }
  std::int64_t scalar(const std::string& query) {
    auto c = pg::connection::open(db_.url());
    if (!c) return -1;
    auto r = c->query(query);
    if (!r || r->size() != 1) return -1;
    return r->get_int(0, 0);
  }
  look take_look(const std::string& service) {
    look l;
    auto c = pg::connection::open(db_.url());
    if (!c) return l;
    pg::param p[] = {service};
    auto r = c->query(
        "SELECT count(*), count(DISTINCT seq), coalesce(min(seq), 0), coalesce(max(seq), 0), "
        "(SELECT coalesce(max(expired_till), 0) FROM logs_expired WHERE service = $1), "
        "(SELECT count(*) FROM logs_chunk_drops) FROM logs WHERE service = $1",
        p);
    if (!r || r->size() != 1) return l;
    l = {r->get_int(0, 0), r->get_int(0, 1), r->get_int(0, 2),
         r->get_int(0, 3), r->get_int(0, 4), r->get_int(0, 5)};
    return l;
  }
  // The look at a moment when no removal is under way.
  look settled_look(const std::string& service) {
    look l;
    EXPECT_TRUE(testing::eventually([&] {
      l = take_look(service);
      return l.removing == 0;
    }));
    return l;
  }
  bool drained() {
    return redis_.integer({"XLEN", "queue:logs"}) == 0 &&
           redis_.integer({"XLEN", "queue:retry"}) == 0;
  }
  json::object get_json(testing::http_client& c, std::string_view target) {
    auto r = c.get(target);
    EXPECT_EQ(r.status, 200u) << target << ": " << r.body;
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    if (ec || !v.is_object()) return {};
    return v.as_object();
  }
  json::object audit(testing::http_client& c) {
    auto r = c.post("/audit", "{\"waitMs\":30000}");
    EXPECT_EQ(r.status, 200u) << r.body;
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    if (ec || !v.is_object()) return {};
    return v.as_object();
  }

  testing::pg_database db_ = testing::pg_database::create();
  testing::redis_db redis_;
};

TEST_F(retention_e2e, rows_expire_under_load_and_every_acked_seq_is_stored_once) {
  auto backend = testing::backend_process::start(opts("all", "5s"));
  testing::http_client c(backend.port());
  // 8 000 logs/s: a load the worker keeps up with on a busy 2-core machine, so rows are stored
  // and then removed with their partition (an entry that waited in the queue longer than the
  // retention is not stored at all: worker_pg_writer_test).
  producer p(backend.port(), "busy", 200, 25ms);
  look first;
  ASSERT_TRUE(testing::eventually([&] { return (first = take_look("busy")).rows > 0; }));
  // Stored rows removed, several chunks, while the producer goes on.
  ASSERT_TRUE(testing::eventually(
      [&] {
        auto l = take_look("busy");
        return l.expired_till >= first.max + 2'000 && p.acked() > l.expired_till + 2'000;
      },
      90s))
      << "expired till " << take_look("busy").expired_till << ", acked " << p.acked();
  auto during = settled_look("busy");
  EXPECT_EQ(during.rows, during.distinct) << "a seq stored twice";
  EXPECT_EQ(during.min, during.expired_till + 1) << "what is gone is what retention recorded";

  p.stop();
  const auto acked = p.acked();
  ASSERT_TRUE(testing::eventually([&] { return drained(); }));
  auto after = settled_look("busy");
  EXPECT_EQ(after.rows, after.distinct) << "a seq stored twice";
  if (after.rows > 0) {
    // Every acknowledged seq: expired (at or below expired_till) or stored once.
    EXPECT_EQ(after.min, after.expired_till + 1);
    EXPECT_EQ(after.max, acked);
    EXPECT_EQ(after.rows, acked - after.expired_till);
  } else {
    EXPECT_EQ(after.expired_till, acked);
  }
  EXPECT_GT(after.expired_till, 0);

  // The audit counts expired seqs as accounted for.
  auto report = audit(c);
  EXPECT_TRUE(report["done"].as_bool()) << json::serialize(report);
  EXPECT_EQ(report["lost"].as_int64(), 0) << json::serialize(report);

  // GET /logs says how far back the data goes.
  auto page = get_json(c, "/logs?service=busy&limit=1");
  ASSERT_TRUE(page.contains("retention")) << json::serialize(page);
  const auto& r = page["retention"].as_object();
  EXPECT_EQ(r.at("period").as_string(), "5s");
  EXPECT_TRUE(r.at("keptSince").is_string()) << json::serialize(page);
}

TEST_F(retention_e2e, without_retention_nothing_is_removed_and_get_logs_says_so) {
  auto backend = testing::backend_process::start(opts("all", "off"));
  testing::http_client c(backend.port());
  ASSERT_EQ(testing::post_batch(c, "kept", testing::seq_span(1, 10)).status, 200u);
  ASSERT_TRUE(
      testing::eventually([&] { return testing::count_rows(db_.url(), "kept").rows == 10; }));
  auto page = get_json(c, "/logs?service=kept");
  EXPECT_EQ(page["items"].as_array().size(), 10u);
  const auto& r = page["retention"].as_object();
  EXPECT_EQ(r.at("period").as_string(), "off");
  EXPECT_TRUE(r.at("keptSince").is_null());
  EXPECT_EQ(scalar("SELECT count(*) FROM logs_expired"), 0);
}

// A worker killed between COMMIT and XACK, its entries spread over several 1 s partitions:
// redelivered after the boundaries have passed, each entry meets its rows in its own partition.
TEST_F(retention_e2e, a_redelivered_entry_is_stored_once_across_boundaries) {
  auto ingest = testing::backend_process::start(opts("api", "30s"));
  testing::http_client c(ingest.port());
  for (std::int64_t b = 0; b < 20; ++b) {
    ASSERT_EQ(testing::post_batch(c, "twice", testing::seq_span(b * 100 + 1, b * 100 + 100)).status,
              200u);
    // The scenario: the batches are queued over ~3 s, so they fall in several partitions.
    std::this_thread::sleep_for(150ms);
  }
  auto crashing_opts = opts("worker", "30s");
  crashing_opts.consumer = "crashy";
  crashing_opts.env.emplace_back("TRACEHUB_TEST_CRASH_AFTER_COMMIT", "1");
  auto crashing = testing::backend_process::spawn(crashing_opts);
  ASSERT_TRUE(testing::eventually([&] { return !crashing.running(); }));
  ASSERT_GT(testing::count_rows(db_.url(), "twice").rows, 0);
  EXPECT_GT(redis_.integer({"XLEN", "queue:logs"}), 0) << "committed entries not acknowledged";
  std::this_thread::sleep_for(1500ms);  // the scenario: boundaries pass before the redelivery
  auto worker_opts = opts("worker", "30s");
  worker_opts.consumer = "crashy";
  auto w = testing::backend_process::start(worker_opts);
  ASSERT_TRUE(testing::eventually([&] { return drained(); }));
  auto rows = testing::count_rows(db_.url(), "twice");
  EXPECT_EQ(rows.rows, 2000);
  EXPECT_EQ(rows.distinct_seqs, 2000);
  EXPECT_GE(scalar("SELECT count(DISTINCT tableoid) FROM logs WHERE service = 'twice'"), 2);
}

// A producer sends seqs again after the partition they were stored in has been succeeded by
// another: the ACK state refuses them as duplicates, so they never reach a second partition.
TEST_F(retention_e2e, a_seq_sent_again_after_a_boundary_is_a_duplicate) {
  auto backend = testing::backend_process::start(opts("all", "30s"));
  testing::http_client c(backend.port());
  ASSERT_EQ(testing::post_batch(c, "again", testing::seq_span(1, 100)).status, 200u);
  ASSERT_TRUE(
      testing::eventually([&] { return testing::count_rows(db_.url(), "again").rows == 100; }));
  std::this_thread::sleep_for(1500ms);  // the scenario: the next batch is in a later partition
  auto a = testing::post_batch(c, "again", testing::seq_span(1, 110));
  ASSERT_EQ(a.status, 200u);
  EXPECT_EQ(a.num("duplicates"), 100);
  ASSERT_TRUE(
      testing::eventually([&] { return testing::count_rows(db_.url(), "again").rows == 110; }));
  ASSERT_TRUE(testing::eventually([&] { return drained(); }));
  auto rows = testing::count_rows(db_.url(), "again");
  EXPECT_EQ(rows.rows, 110);
  EXPECT_EQ(rows.distinct_seqs, 110);
}

}  // namespace
}  // namespace tracehub
