// The producer's Redis side against a real server: the produce script gives consecutive seqs
// and buffers every entry with its seq (the member format the replay worker reads), and an
// ACK trims exactly what it acknowledges, keeping every seq that is or may be missing.
#include <optional>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include "backend/base/clock.h"
#include "backend/keyspace/keys.h"
#include "backend/testing/redis_db.h"
#include "producer-simulator/producer/buffer.h"

namespace tracehub::producer {
namespace {

namespace asio = boost::asio;
const std::string service = "payment-service";

class buffer_redis : public ::testing::Test {
 protected:
  buffer_redis() : db_(12) {
    auto ep = redis::parse_url(db_.url());
    conn_ = redis::async_connection::create(io_.get_executor(), *ep);
    conn_->start();
    auto deadline = steady::now() + std::chrono::seconds(10);
    while (!conn_->connected() && steady::now() < deadline)
      io_.run_one_for(std::chrono::milliseconds(10));
    EXPECT_TRUE(conn_->connected());
  }
  ~buffer_redis() override { conn_->stop(); }

  // Runs one coroutine on the test's io_context to completion.
  template <class T>
  T run(asio::awaitable<T> a) {
    std::optional<T> out;
    asio::co_spawn(io_, std::move(a), [&](std::exception_ptr e, T v) {
      if (e) std::rethrow_exception(e);
      out.emplace(std::move(v));
    });
    while (!out)
      io_.run_one();
    return std::move(*out);
  }

  // The buffer as (score, member) pairs, ascending.
  std::vector<std::pair<std::int64_t, std::string>> contents() {
    auto c = db_.connect();
    auto r = c.command({"ZRANGE", keyspace::buffer(service), "0", "-1", "WITHSCORES"});
    std::vector<std::pair<std::int64_t, std::string>> out;
    if (!r) return out;
    auto v = r->view();
    for (std::size_t i = 0; i + 1 < v.size(); i += 2)
      out.emplace_back(std::stoll(std::string(v[i + 1].str())), std::string(v[i].str()));
    return out;
  }

  std::vector<std::int64_t> buffered_seqs() {
    std::vector<std::int64_t> out;
    for (auto& [s, m] : contents())
      out.push_back(s);
    return out;
  }

  void fill(buffer& b, int n) {
    std::vector<std::string> tails;
    for (int i = 0; i < n; ++i)
      tails.push_back(R"("level":"info","message":"m"})");
    ASSERT_EQ(run(b.append(tails, "p1")).value().first, 1);
  }

  testing::redis_db db_;
  asio::io_context io_;
  std::shared_ptr<redis::async_connection> conn_;
};

std::string tail(int i) {
  return R"("level":"info","message":"charge.created","requestId":"r-)" + std::to_string(i) +
         R"(","attrs":{"amount":12.50}})";
}

TEST_F(buffer_redis, produce_script_gives_consecutive_seqs_and_buffers_each_entry_with_it) {
  buffer b(conn_, service);
  EXPECT_EQ(run(b.last_seq()).value(), 0);
  EXPECT_EQ(run(b.append({tail(1), tail(2), tail(3)}, "p1")).value().first, 1);
  EXPECT_EQ(run(b.append({tail(4), tail(5)}, "p1")).value().first, 4);
  EXPECT_EQ(run(b.last_seq()).value(), 5);
  EXPECT_EQ(run(b.depth()).value(), 5);

  auto got = contents();
  ASSERT_EQ(got.size(), 5u);
  for (int i = 1; i <= 5; ++i) {
    const auto& [score, member] = got[static_cast<std::size_t>(i - 1)];
    EXPECT_EQ(score, i);
    EXPECT_EQ(member, "{\"seq\":" + std::to_string(i) + "," + tail(i));
    // The contract with the replay worker: one ingest entry, "seq" first.
    auto v = boost::json::parse(member).as_object();
    EXPECT_EQ(v.begin()->key(), "seq");
    EXPECT_EQ(v.at("seq").as_int64(), i);
  }
}

TEST_F(buffer_redis, seqs_continue_where_the_counter_stopped) {
  auto c = db_.connect();
  ASSERT_TRUE(c.command({"SET", keyspace::seq(service), "41"}));
  buffer b(conn_, service);
  EXPECT_EQ(run(b.append({tail(1), tail(2)}, "p1")).value().first, 42);
  EXPECT_EQ(buffered_seqs(), (std::vector<std::int64_t>{42, 43}));
}

TEST_F(buffer_redis, read_returns_entries_after_a_cursor_in_seq_order) {
  buffer b(conn_, service);
  fill(b, 10);
  auto got = run(b.read(3, 8, 4)).value();
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got.front().seq, 4);
  EXPECT_EQ(got.back().seq, 7);
  EXPECT_TRUE(got.front().json.starts_with("{\"seq\":4,"));
  EXPECT_TRUE(run(b.read(10, 10, 4)).value().empty());
}

TEST_F(buffer_redis, an_ack_trims_everything_it_holds_and_keeps_exactly_the_missing_seqs) {
  buffer b(conn_, service);
  fill(b, 30);
  auto ack =
      parse_ack(R"({"ackTill":25,"missing":[3,4,10,20],"missingTotal":4,"status":"partial"})");
  ASSERT_TRUE(ack);
  auto removed = run(b.trim(trimmable(*ack), 30));
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, 21);
  EXPECT_EQ(buffered_seqs(), (std::vector<std::int64_t>{3, 4, 10, 20, 26, 27, 28, 29, 30}));
}

TEST_F(buffer_redis, a_truncated_missing_list_keeps_everything_above_its_last_seq) {
  buffer b(conn_, service);
  fill(b, 30);
  // 12 missing, 2 listed: any seq above 4 may be one of the other 10.
  auto ack = parse_ack(R"({"ackTill":25,"missing":[3,4],"missingTotal":12})");
  ASSERT_TRUE(ack);
  ASSERT_TRUE(run(b.trim(trimmable(*ack), 30)));
  auto seqs = buffered_seqs();
  ASSERT_EQ(seqs.size(), 28u);
  EXPECT_EQ(seqs.front(), 3);
  EXPECT_EQ(seqs.back(), 30);
}

// What a `reset` (docs/PROTOCOL.md, "Controls") does to this service's producer keys: both deleted
// at once.
void reset_service(const testing::redis_db& db) {
  auto c = db.connect();
  ASSERT_TRUE(c.command({"DEL", keyspace::seq(service), keyspace::buffer(service)}));
}

// Regression: an ACK of the epoch before a reset (ackTill 25) trimmed seqs 1..25 of the new
// epoch, which were buffered but not yet acknowledged — silently lost.
TEST_F(buffer_redis, an_ack_from_before_a_reset_trims_nothing_of_the_new_epoch) {
  buffer b(conn_, service);
  fill(b, 30);
  auto ack = parse_ack(R"({"ackTill":25,"missing":[],"missingTotal":0})");
  ASSERT_TRUE(ack);
  reset_service(db_);
  ASSERT_EQ(run(b.append({tail(1), tail(2), tail(3)}, "p1")).value().first, 1);

  auto removed = run(b.trim(trimmable(*ack), 30));
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, trim_refused);
  EXPECT_EQ(buffered_seqs(), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(run(b.last_seq()).value(), 3);
}

TEST_F(buffer_redis, a_trim_right_after_a_reset_before_anything_is_produced_is_refused) {
  buffer b(conn_, service);
  fill(b, 10);
  reset_service(db_);
  auto removed = run(b.trim({{1, 10}}, 10));
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, trim_refused);
  // The counter is not created by a refused trim: the next produce starts at 1.
  EXPECT_EQ(db_.integer({"EXISTS", keyspace::seq(service)}), 0);
  EXPECT_EQ(run(b.append({tail(1)}, "p1")).value().first, 1);
}

TEST_F(buffer_redis, a_trim_applies_while_the_counter_is_at_or_above_its_floor) {
  buffer b(conn_, service);
  fill(b, 10);
  // The floor is what the producer knows it produced; the counter may be ahead of it (an
  // append whose reply timed out was applied all the same).
  ASSERT_EQ(run(b.append({tail(11), tail(12)}, "p1")).value().first, 11);
  EXPECT_EQ(run(b.trim({{1, 4}, {6, 10}}, 10)).value(), 9);
  EXPECT_EQ(buffered_seqs(), (std::vector<std::int64_t>{5, 11, 12}));
  // At exactly the floor it applies too; nothing to remove is 0, not a refusal.
  EXPECT_EQ(run(b.trim({{11, 12}}, 12)).value(), 2);
  EXPECT_EQ(run(b.trim({{11, 12}}, 12)).value(), 0);
  EXPECT_EQ(run(b.trim({}, 1000)).value(), 0);
}

// A counter that starts from 1 is a new sequence space with the id given then; later appends
// keep it, whatever id they offer.
TEST_F(buffer_redis, a_counter_starting_from_one_gets_a_new_producer_id) {
  buffer b(conn_, service);
  auto first = run(b.append({tail(1)}, "p1")).value();
  EXPECT_EQ(first.first, 1);
  EXPECT_EQ(first.producer_id, "p1");
  EXPECT_EQ(run(b.append({tail(2)}, "p2")).value().producer_id, "p1");
  reset_service(db_);  // the counter is lost (its id key stays)
  auto again = run(b.append({tail(1)}, "p3")).value();
  EXPECT_EQ(again.first, 1);
  EXPECT_EQ(again.producer_id, "p3");
}

// After a 409 sequence_reused with ackTill 1000, every buffered seq moves up by 1000, in
// order, its JSON too; a second renumber for the same refusal (the id changed meanwhile, or
// another batch got the same 409) changes nothing.
TEST_F(buffer_redis, renumber_moves_the_whole_space_above_ack_till) {
  buffer b(conn_, service);
  ASSERT_EQ(run(b.append({tail(1), tail(2), tail(3)}, "p1")).value().first, 1);
  ASSERT_EQ(run(b.trim({{1, 1}}, 3)).value(), 1);
  EXPECT_EQ(run(b.renumber("other", 1000)).value(), -1);
  EXPECT_EQ(buffered_seqs(), (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(run(b.renumber("p1", 1000)).value(), 1000);
  auto c = contents();
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].first, 1002);
  EXPECT_EQ(c[0].second.rfind("{\"seq\":1002,\"level\"", 0), 0u) << c[0].second;
  EXPECT_EQ(c[1].first, 1003);
  EXPECT_EQ(run(b.last_seq()).value(), 1003);
  EXPECT_EQ(run(b.append({tail(4)}, "p9")).value().first, 1004);
}

}  // namespace
}  // namespace tracehub::producer
