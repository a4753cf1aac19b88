#include "backend/redis/async_connection.h"

#include <set>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "backend/redis/errc.h"
#include "backend/redis/tests/test_support.h"

namespace tracehub::redis {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using testing::redis_process;
using testing::run;
using testing::run_until;
using testing::shared_redis;

using async_connection_test = shared_redis;

// Builds a command. GCC 12 rejects a braced string-literal list inside co_await ("array used
// as initializer"), so coroutines pass argv built by this ordinary function instead.
template <class... Args>
std::vector<std::string> argv(const Args&... args) {
  return {std::string(args)...};
}

async_options fast_options() {
  async_options o;
  o.connect_timeout = 500ms;
  o.command_timeout = 2s;
  o.reconnect_min = 20ms;
  o.reconnect_max = 200ms;
  return o;
}

bool wait_connected(asio::io_context& io, async_connection& c, std::chrono::milliseconds limit) {
  return run_until(
      io, [&] { return c.connected(); }, limit);
}

TEST_F(async_connection_test, concurrent_commands_are_pipelined_and_all_answered) {
  asio::io_context io;
  auto c = async_connection::create(io.get_executor(), ep_, fast_options());
  c->start();
  ASSERT_TRUE(wait_connected(io, *c, 5s));

  const std::string counter = keys_->key("counter");
  constexpr int n = 1000;
  std::set<std::int64_t> seen;
  int failures = 0;
  int finished = 0;
  for (int i = 0; i < n; ++i) {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          auto r = co_await c->command(argv("INCR", counter));
          if (r && r->view().is_integer()) {
            seen.insert(r->view().integer());
          } else {
            ++failures;
          }
          ++finished;
        },
        asio::detached);
  }
  ASSERT_TRUE(run_until(
      io, [&] { return finished == n; }, 10s));
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(n));  // every INCR saw a distinct value
  EXPECT_EQ(*seen.begin(), 1);
  EXPECT_EQ(*seen.rbegin(), n);

  run(io, [&]() -> asio::awaitable<void> {
    auto r = co_await c->command(argv("GET", counter));
    EXPECT_TRUE(r);
    if (r) {
      EXPECT_EQ(r->view().str(), std::to_string(n));
    }
  }());
  c->stop();
}

// hiredis reads at most 16 KiB per readiness event; a reply larger than that must still
// complete (the read wait is re-armed while hiredis wants to read).
TEST_F(async_connection_test, large_reply_arrives_whole) {
  asio::io_context io;
  auto c = async_connection::create(io.get_executor(), ep_, fast_options());
  c->start();
  ASSERT_TRUE(wait_connected(io, *c, 5s));
  const std::string key = keys_->key("big");
  std::string big(3 * 1024 * 1024, 'x');
  for (std::size_t i = 0; i < big.size(); i += 4096)
    big[i] = static_cast<char>('a' + i % 26);

  run(io, [&]() -> asio::awaitable<void> {
    auto set = co_await c->command(argv("SET", key, big));
    EXPECT_TRUE(set && set->view().is_status());
    auto get = co_await c->command(argv("GET", key));
    EXPECT_TRUE(get);
    if (get) {
      EXPECT_TRUE(get->view().str() == big);
    }
    auto arr = co_await c->command(argv("MGET", key, key, keys_->key("none")));
    EXPECT_TRUE(arr);
    if (arr) {
      EXPECT_EQ(arr->view().size(), 3u);
      EXPECT_EQ(arr->view()[1].str().size(), big.size());
      EXPECT_TRUE(arr->view()[2].is_nil());
    }
  }());
  c->stop();
}

TEST_F(async_connection_test, server_error_is_a_reply) {
  asio::io_context io;
  auto c = async_connection::create(io.get_executor(), ep_, fast_options());
  c->start();
  ASSERT_TRUE(wait_connected(io, *c, 5s));
  run(io, [&]() -> asio::awaitable<void> {
    auto r = co_await c->command(argv("NOSUCHCOMMAND"));
    EXPECT_TRUE(r);
    if (r) {
      EXPECT_TRUE(r->view().is_error());
    }
    auto empty = co_await c->command(argv());
    EXPECT_FALSE(empty);
    auto ping = co_await c->command(argv("PING"));
    EXPECT_TRUE(ping && ping->view().str() == "PONG");
  }());
  c->stop();
}

TEST_F(async_connection_test, stop_completes_pending_commands_with_closed_and_stays_down) {
  asio::io_context io;
  auto c = async_connection::create(io.get_executor(), ep_, fast_options());
  c->start();
  ASSERT_TRUE(wait_connected(io, *c, 5s));

  const std::string key = keys_->key("never");
  std::optional<result<reply>> blocked;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> { blocked = co_await c->command(argv("BLPOP", key, "1")); },
      asio::detached);
  io.poll();  // the BLPOP is now written and waiting
  c->stop();
  ASSERT_TRUE(run_until(
      io, [&] { return blocked.has_value(); }, 1s));
  ASSERT_FALSE(*blocked);
  EXPECT_EQ(blocked->error(), make_error_code(errc::closed));

  // Several back-off periods pass without a reconnect.
  EXPECT_FALSE(run_until(
      io, [&] { return c->connected(); }, 300ms));
  run(io, [&]() -> asio::awaitable<void> {
    auto r = co_await c->command(argv("PING"));
    EXPECT_FALSE(r);
    if (!r) {
      EXPECT_EQ(r.error(), make_error_code(errc::closed));
    }
  }());
}

// Dropping the last reference without stop() must free the hiredis context and leave no
// handler touching freed memory (checked under ASan).
TEST_F(async_connection_test, destroying_a_running_connection_is_clean) {
  asio::io_context io;
  auto c = async_connection::create(io.get_executor(), ep_, fast_options());
  c->start();
  ASSERT_TRUE(wait_connected(io, *c, 5s));
  c.reset();
  io.run_for(50ms);
}

TEST(async_connection, command_while_server_down_completes_closed_at_once) {
  asio::io_context io;
  endpoint ep;
  ep.port = testing::free_port();
  auto c = async_connection::create(io.get_executor(), ep, fast_options());
  c->start();
  // Outside the coroutine's frame: the posted handler runs after the coroutine has ended.
  bool posted_ran = false;
  run(io, [&]() -> asio::awaitable<void> {
    // "At once" is an ordering, not a time: the command completes without waiting for
    // anything on the event loop (a reconnect, its timeout), so a handler posted before it
    // has not run yet when it completes.
    asio::post(io, [&posted_ran] { posted_ran = true; });
    auto r = co_await c->command(argv("PING"));
    EXPECT_FALSE(posted_ran) << "the command waited on the event loop";
    EXPECT_FALSE(r);
    if (!r) {
      EXPECT_EQ(r.error(), make_error_code(errc::closed));
    }
  }());
  EXPECT_FALSE(c->connected());
  c->stop();
}

TEST(async_connection, reconnects_after_the_server_restarts) {
  redis_process server;
  ASSERT_TRUE(server.start()) << "could not start redis-server";
  asio::io_context io;
  auto c = async_connection::create(io.get_executor(), server.ep(), fast_options());
  c->start();
  ASSERT_TRUE(wait_connected(io, *c, 5s));
  run(io, [&]() -> asio::awaitable<void> {
    auto r = co_await c->command(argv("SET", "k", "before"));
    EXPECT_TRUE(r && r->view().is_status());
  }());

  server.kill();
  // The loss is noticed on the socket's EOF, or at the latest by the next command.
  bool noticed = run_until(
      io, [&] { return !c->connected(); }, 5s);
  EXPECT_TRUE(noticed);
  run(io, [&]() -> asio::awaitable<void> {
    auto r = co_await c->command(argv("GET", "k"));
    EXPECT_FALSE(r);
    if (!r) {
      EXPECT_TRUE(r.error() == make_error_code(errc::closed) ||
                  r.error() == make_error_code(errc::io))
          << r.error().message();
    }
  }());

  ASSERT_TRUE(server.start()) << "could not restart redis-server";
  ASSERT_TRUE(wait_connected(io, *c, 5s)) << "no reconnect within the deadline";
  run(io, [&]() -> asio::awaitable<void> {
    auto r = co_await c->command(argv("PING"));
    EXPECT_TRUE(r && r->view().str() == "PONG");
  }());
  c->stop();
}

TEST(async_connection, stalled_server_times_out_then_pending_commands_close) {
  redis_process server;
  ASSERT_TRUE(server.start()) << "could not start redis-server";
  asio::io_context io;
  auto opts = fast_options();
  opts.command_timeout = 300ms;
  auto c = async_connection::create(io.get_executor(), server.ep(), opts);
  c->start();
  ASSERT_TRUE(wait_connected(io, *c, 5s));

  server.pause();
  constexpr int n = 5;
  std::vector<result<reply>> outcomes;
  std::vector<steady::duration> latencies;
  for (int i = 0; i < n; ++i) {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          auto started = steady::now();
          auto r = co_await c->command(argv("PING"));
          latencies.push_back(steady::now() - started);
          outcomes.push_back(std::move(r));
        },
        asio::detached);
  }
  bool all_done = run_until(
      io, [&] { return outcomes.size() == n; }, 3s);
  server.resume();
  ASSERT_TRUE(all_done);

  int timeouts = 0;
  int closed = 0;
  for (auto& r : outcomes) {
    ASSERT_FALSE(r);
    if (r.error() == make_error_code(errc::timeout)) ++timeouts;
    if (r.error() == make_error_code(errc::closed)) ++closed;
  }
  EXPECT_EQ(timeouts, 1);    // the first deadline drops the link ...
  EXPECT_EQ(closed, n - 1);  // ... and everything else pending on it completes closed
  // Each completes at the first deadline: not before it, and not much after it (five times
  // leaves a loaded machine room; a command that missed its deadline stays until all_done's).
  for (auto l : latencies) {
    EXPECT_GE(l, opts.command_timeout - 50ms);
    EXPECT_LT(l, 5 * opts.command_timeout);
  }

  ASSERT_TRUE(wait_connected(io, *c, 5s)) << "no reconnect after the server resumed";
  run(io, [&]() -> asio::awaitable<void> {
    auto r = co_await c->command(argv("PING"));
    EXPECT_TRUE(r && r->view().str() == "PONG");
  }());
  c->stop();
}

TEST(async_connection, auth_and_select_happen_before_connected) {
  redis_process server("tr4ce");
  ASSERT_TRUE(server.start()) << "could not start redis-server";
  asio::io_context io;
  auto ep = server.ep();
  ep.db = 3;
  auto c = async_connection::create(io.get_executor(), ep, fast_options());
  c->start();
  ASSERT_TRUE(wait_connected(io, *c, 5s));
  run(io, [&]() -> asio::awaitable<void> {
    auto r = co_await c->command(argv("SET", "k", "in-db-3"));
    EXPECT_TRUE(r && r->view().is_status());
  }());
  c->stop();

  auto db3 = ep;
  auto s = sync_connection::open(db3, 1s);
  ASSERT_TRUE(s);
  auto got = s->command({"GET", "k"});
  ASSERT_TRUE(got);
  EXPECT_EQ(got->view().str(), "in-db-3");
}

TEST(async_connection, refused_auth_never_reports_connected) {
  redis_process server("tr4ce");
  ASSERT_TRUE(server.start()) << "could not start redis-server";
  asio::io_context io;
  auto ep = server.ep();
  ep.password = "wrong";
  auto c = async_connection::create(io.get_executor(), ep, fast_options());
  c->start();
  EXPECT_FALSE(wait_connected(io, *c, 300ms));
  c->stop();
}

}  // namespace
}  // namespace tracehub::redis
