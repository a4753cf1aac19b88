#include "backend/redis/script.h"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

#include "backend/redis/tests/test_support.h"

namespace tracehub::redis {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using testing::redis_process;
using testing::run;
using testing::run_until;
using testing::shared_redis;

const script incr_by("return redis.call('INCRBY', KEYS[1], ARGV[1])");

using script_test = shared_redis;

TEST_F(script_test, sync_eval_runs_the_script) {
  auto c = sync_connection::open(ep_, 2s);
  ASSERT_TRUE(c);
  const std::string key = keys_->key("n");
  auto a = eval(*c, incr_by, {key}, {"5"});
  ASSERT_TRUE(a);
  EXPECT_EQ(a->view().integer(), 5);
  auto b = eval(*c, incr_by, {key}, {"7"});
  ASSERT_TRUE(b);
  EXPECT_EQ(b->view().integer(), 12);
}

TEST_F(script_test, async_eval_runs_the_script) {
  asio::io_context io;
  auto c = async_connection::create(io.get_executor(), ep_);
  c->start();
  ASSERT_TRUE(run_until(
      io, [&] { return c->connected(); }, 5s));
  const std::string key = keys_->key("n");
  run(io, [&]() -> asio::awaitable<void> {
    // Locals, not braced lists: GCC 12 rejects string literals in a braced list inside co_await.
    const std::vector<std::string> keys{key};
    auto a = co_await eval(*c, incr_by, keys, std::vector<std::string>(1, "2"));
    EXPECT_TRUE(a);
    if (a) {
      EXPECT_EQ(a->view().integer(), 2);
    }
    auto b = co_await eval(*c, incr_by, keys, std::vector<std::string>(1, "3"));
    EXPECT_TRUE(b);
    if (b) {
      EXPECT_EQ(b->view().integer(), 5);
    }
  }());
  c->stop();
}

TEST_F(script_test, script_error_comes_back_as_an_error_reply) {
  auto c = sync_connection::open(ep_, 2s);
  ASSERT_TRUE(c);
  auto r = eval(*c, script("return redis.error_reply('boom')"), {}, {});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->view().is_error());
  EXPECT_NE(r->view().str().find("boom"), std::string_view::npos);
}

// SCRIPT FLUSH runs on a private server: on the shared one it would strip other tests' scripts.
TEST(script, falls_back_to_eval_after_script_flush) {
  redis_process server;
  ASSERT_TRUE(server.start()) << "could not start redis-server";
  auto c = sync_connection::open(server.ep(), 1s);
  ASSERT_TRUE(c);

  auto first = eval(*c, incr_by, {"n"}, {"1"});  // fresh server: NOSCRIPT, then EVAL
  ASSERT_TRUE(first);
  EXPECT_EQ(first->view().integer(), 1);
  auto cached = c->command({"SCRIPT", "EXISTS", incr_by.sha1()});
  ASSERT_TRUE(cached);
  EXPECT_EQ(cached->view()[0].integer(), 1);

  ASSERT_TRUE(c->command({"SCRIPT", "FLUSH"}));
  auto sync_after = eval(*c, incr_by, {"n"}, {"10"});
  ASSERT_TRUE(sync_after);
  EXPECT_EQ(sync_after->view().integer(), 11);

  ASSERT_TRUE(c->command({"SCRIPT", "FLUSH"}));
  asio::io_context io;
  auto ac = async_connection::create(io.get_executor(), server.ep());
  ac->start();
  ASSERT_TRUE(run_until(
      io, [&] { return ac->connected(); }, 5s));
  run(io, [&]() -> asio::awaitable<void> {
    const std::vector<std::string> keys(1, "n");
    auto r = co_await eval(*ac, incr_by, keys, std::vector<std::string>(1, "100"));
    EXPECT_TRUE(r);
    if (r) {
      EXPECT_EQ(r->view().integer(), 111);
    }
  }());
  ac->stop();

  auto recached = c->command({"SCRIPT", "EXISTS", incr_by.sha1()});
  ASSERT_TRUE(recached);
  EXPECT_EQ(recached->view()[0].integer(), 1);
}

}  // namespace
}  // namespace tracehub::redis
