// A producer (in this process) against the real backend when the `reset` control (docs/PROTOCOL.md,
// "Controls") clears all state under it.
//
// Regression: send_batch retried its in-memory body forever. A batch read before the reset,
// refused while ingest was paused, was sent again after it — the old epoch's seqs (and their
// old entries) landed in the new epoch: a jump in ackTill, the new epoch's lower seqs reported
// missing, the old entries stored in place of the new ones.
#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include "backend/keyspace/keys.h"
#include "backend/testing/backend_process.h"
#include "backend/testing/pg_database.h"
#include "backend/testing/pipeline.h"
#include "backend/testing/redis_db.h"
#include "producer-simulator/producer/producer.h"

namespace tracehub::producer {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
const std::string service = "payment-service";

class producer_reset : public ::testing::Test {
 protected:
  producer_reset()
      : pg_(testing::pg_database::create()),
        db_(11),
        backend_(start_backend(pg_.url(), db_.url())) {}

  // Unrecoverable seqs are declared lost after 3 s, so a loss shows within the test.
  static testing::backend_process start_backend(const std::string& pg, const std::string& redis) {
    testing::backend_options o(pg, redis);
    o.env = {{"TRACEHUB_REPLAY_DEADLINE_MS", "3000"}};
    return testing::backend_process::start(o);
  }

  ~producer_reset() override {
    if (!io_thread_.joinable()) return;
    asio::post(io_, [this] { producer_->abort(); });
    done_.wait(false);  // abort(): run() completes within the request timeout
    asio::post(io_, [this] {
      conn_->stop();
      io_.stop();
    });
    io_thread_.join();
  }

  // Starts one producer on its own io thread: 400 logs/s, batches of 50, four in flight,
  // quick retries.
  void start_producer(std::chrono::milliseconds request_timeout = 2s) {
    auto ep = redis::parse_url(db_.url());
    ASSERT_TRUE(ep);
    conn_ = redis::async_connection::create(io_.get_executor(), *ep);
    conn_->start();
    producer_options o;
    o.service = service;
    o.traffic.rate_eps = 400;
    o.traffic.bursts = false;
    o.batch_size = 50;
    o.flush_interval = 50ms;
    o.max_in_flight = 4;
    o.request_timeout = request_timeout;
    o.backoff_min = 100ms;
    o.backoff_max = 300ms;
    o.state_interval = 100ms;
    o.drain_timeout = 30s;
    auto url = parse_backend_url("http://127.0.0.1:" + std::to_string(backend_.port()));
    ASSERT_TRUE(url);
    producer_ = std::make_unique<service_producer>(io_.get_executor(), conn_, *url, o);
    asio::co_spawn(io_, producer_->run(), [this](std::exception_ptr) {
      done_ = true;
      done_.notify_all();
    });
    io_thread_ = std::thread([this] {
      auto guard = asio::make_work_guard(io_);
      io_.run();
    });
  }

  // Stops the producer (it drains its buffer) and waits for run() to complete.
  bool stop_producer(std::chrono::milliseconds limit) {
    asio::post(io_, [this] { producer_->stop(); });
    return testing::eventually([&] { return done_.load(); }, limit);
  }

  long long state_field(std::string_view field) const {
    auto c = db_.connect();
    auto r = c.command({"HGET", keyspace::producer(service), field});
    if (!r || !r->view().is_string()) return -1;
    return std::stoll(std::string(r->view().str()));
  }

  long long last_seq() const {
    auto c = db_.connect();
    auto r = c.command({"GET", keyspace::seq(service)});
    if (!r || !r->view().is_string()) return 0;
    return std::stoll(std::string(r->view().str()));
  }

  long long ack_till() const {
    auto c = db_.connect();
    auto r = c.command({"HGET", keyspace::ack(service), keyspace::ack_field::till});
    if (!r || !r->view().is_string()) return 0;
    return std::stoll(std::string(r->view().str()));
  }

  // Every seq 1..N of the current epoch stored exactly once, the buffer empty, nothing lost.
  void expect_new_epoch_exact() {
    auto n = last_seq();
    ASSERT_GT(n, 0);
    EXPECT_EQ(db_.integer({"ZCARD", keyspace::buffer(service)}), 0);
    testing::row_counts rc;
    EXPECT_TRUE(
        testing::eventually([&] { return (rc = testing::count_rows(pg_.url())).rows == n; }, 20s))
        << "N=" << n << " rows=" << rc.rows;
    EXPECT_EQ(rc.distinct_seqs, n);
    EXPECT_EQ(rc.min_seq, 1);
    EXPECT_EQ(rc.max_seq, n);
    auto pg = pg_.connect();
    auto lost = pg.query("SELECT coalesce(sum(to_seq - from_seq + 1), 0) FROM lost_seqs");
    ASSERT_TRUE(lost);
    EXPECT_EQ(lost->get_int(0, 0), 0) << "seqs of the new epoch reported lost";
  }

  testing::pg_database pg_;
  testing::redis_db db_;
  testing::backend_process backend_;
  asio::io_context io_;
  std::thread io_thread_;
  std::shared_ptr<redis::async_connection> conn_;
  std::unique_ptr<service_producer> producer_;
  std::atomic<bool> done_{false};
};

TEST_F(producer_reset, a_batch_read_before_a_reset_is_abandoned_not_sent_into_the_new_epoch) {
  start_producer();
  ASSERT_TRUE(testing::eventually([&] { return ack_till() >= 500; }, 30s));

  // Ingest refuses every batch (as the reset itself does for a while): the producer's four
  // batches in flight retry with their bodies in memory, and the buffer fills.
  ASSERT_TRUE(db_.connect().command({"SET", "ingest:paused", "1", "PX", "4000"}));
  ASSERT_TRUE(testing::eventually(
      [&] {
        return state_field(keyspace::producer_field::send_errors) > 0 &&
               state_field(keyspace::producer_field::in_flight) == 4;
      },
      3s));
  // Everything of the old epoch that could be sent again: what is not acknowledged is
  // buffered (nothing is acknowledged while ingest is paused).
  std::set<std::string> old_request_ids;
  {
    auto c = db_.connect();
    auto r = c.command({"ZRANGE", keyspace::buffer(service), "0", "-1"});
    ASSERT_TRUE(r);
    for (std::size_t i = 0; i < r->view().size(); ++i) {
      auto e = boost::json::parse(r->view()[i].str()).as_object();
      old_request_ids.insert(std::string(e.at("requestId").as_string()));
    }
  }
  ASSERT_GE(old_request_ids.size(), 100u);

  testing::http_client api(backend_.port());
  auto reset = api.post("/metrics/control", R"({"action":"reset"})");
  ASSERT_EQ(reset.status, 200u) << reset.body;

  // The batches in flight are dropped, and the new epoch starts at 1.
  EXPECT_TRUE(testing::eventually(
      [&] { return state_field(keyspace::producer_field::abandoned) >= 1; }, 10s));
  ASSERT_TRUE(testing::eventually([&] { return ack_till() >= 800; }, 30s));
  ASSERT_TRUE(stop_producer(40s));
  EXPECT_EQ(producer_->stats().rejected(), 0);
  EXPECT_GE(producer_->stats().abandoned(), 1);

  expect_new_epoch_exact();
  // Not one entry of the old epoch was stored in the new one.
  auto pg = pg_.connect();
  auto rows = pg.query("SELECT request_id FROM logs");
  ASSERT_TRUE(rows);
  long long old_entries = 0;
  for (std::size_t i = 0; i < rows->size(); ++i)
    old_entries += old_request_ids.count(std::string(rows->get(i, 0)));
  EXPECT_EQ(old_entries, 0) << "entries from before the reset stored after it";
}

// Regression: an ACK of a batch sent before the reset, arriving after it, trimmed the buffer
// up to the old epoch's ackTill — the new epoch's seqs up to there, buffered and not yet sent
// (the old batches still held every in-flight slot), were removed unsent: reported lost.
TEST_F(producer_reset, an_ack_from_before_a_reset_trims_nothing_of_the_new_epoch) {
  start_producer(10s);  // waits for the held ACKs instead of re-sending
  ASSERT_TRUE(testing::eventually([&] { return ack_till() >= 500; }, 30s));

  testing::http_client api(backend_.port());
  auto delay =
      api.post("/metrics/control", R"({"action":"delay_ack","durationMs":30000,"delayMs":3000})");
  ASSERT_EQ(delay.status, 200u) << delay.body;
  // Four batches accepted, their ACKs held: the producer waits on all its in-flight slots.
  ASSERT_TRUE(testing::eventually(
      [&] { return state_field(keyspace::producer_field::in_flight) == 4; }, 3s));
  auto old_till = ack_till();
  auto reset = api.post("/metrics/control", R"({"action":"reset"})");
  ASSERT_EQ(reset.status, 200u) << reset.body;

  // The held ACKs (ackTill above 500) come out after the reset, while the new epoch's first
  // seqs wait in the buffer; then the new epoch flows.
  ASSERT_TRUE(testing::eventually([&] { return ack_till() >= old_till + 400; }, 30s));
  ASSERT_TRUE(stop_producer(40s));
  EXPECT_EQ(producer_->stats().rejected(), 0);
  expect_new_epoch_exact();
}

}  // namespace
}  // namespace tracehub::producer
