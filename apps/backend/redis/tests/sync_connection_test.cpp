#include "backend/redis/sync_connection.h"

#include <gtest/gtest.h>

#include "backend/redis/errc.h"
#include "backend/redis/tests/test_support.h"

namespace tracehub::redis {
namespace {

using namespace std::chrono_literals;
using testing::redis_process;
using testing::shared_redis;

using sync_connection_test = shared_redis;

TEST_F(sync_connection_test, command_round_trips_binary_values) {
  auto c = sync_connection::open(ep_, 2s);
  ASSERT_TRUE(c) << c.error().message();
  const std::string key = keys_->key("bin");
  const std::string value("a\0b\r\nc", 6);

  auto set = c->command({"SET", key, value});
  ASSERT_TRUE(set);
  EXPECT_TRUE(set->view().is_status());
  EXPECT_EQ(set->view().str(), "OK");

  auto get = c->command({"GET", key});
  ASSERT_TRUE(get);
  ASSERT_TRUE(get->view().is_string());
  EXPECT_EQ(get->view().str(), value);
}

TEST_F(sync_connection_test, nil_integer_and_array_replies) {
  auto c = sync_connection::open(ep_, 2s);
  ASSERT_TRUE(c);
  const std::string list = keys_->key("list");

  auto missing = c->command({"GET", keys_->key("missing")});
  ASSERT_TRUE(missing);
  EXPECT_TRUE(missing->view().is_nil());

  auto pushed = c->command({"RPUSH", list, "x", "y", "z"});
  ASSERT_TRUE(pushed);
  ASSERT_TRUE(pushed->view().is_integer());
  EXPECT_EQ(pushed->view().integer(), 3);

  auto range = c->command({"LRANGE", list, "0", "-1"});
  ASSERT_TRUE(range);
  auto v = range->view();
  ASSERT_TRUE(v.is_array());
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].str(), "x");
  EXPECT_EQ(v[2].str(), "z");
}

TEST_F(sync_connection_test, error_reply_is_a_reply_and_keeps_the_connection) {
  auto c = sync_connection::open(ep_, 2s);
  ASSERT_TRUE(c);
  const std::string key = keys_->key("str");
  ASSERT_TRUE(c->command({"SET", key, "not a number"}));

  auto r = c->command({"INCR", key});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->view().is_error());
  EXPECT_FALSE(r->view().str().empty());
  EXPECT_TRUE(c->ok());
  EXPECT_TRUE(c->command({"PING"}));
}

TEST_F(sync_connection_test, pipeline_returns_every_reply_in_order) {
  auto c = sync_connection::open(ep_, 2s);
  ASSERT_TRUE(c);
  const std::string counter = keys_->key("counter");
  std::vector<std::vector<std::string>> cmds;
  for (int i = 0; i < 200; ++i)
    cmds.push_back({"INCR", counter});
  cmds.push_back({"GET", counter});

  auto replies = c->pipeline(cmds);
  ASSERT_TRUE(replies) << replies.error().message();
  ASSERT_EQ(replies->size(), cmds.size());
  for (int i = 0; i < 200; ++i)
    EXPECT_EQ((*replies)[i].view().integer(), i + 1);
  EXPECT_EQ(replies->back().view().str(), "200");
}

TEST_F(sync_connection_test, empty_command_is_rejected_without_a_round_trip) {
  auto c = sync_connection::open(ep_, 2s);
  ASSERT_TRUE(c);
  auto r = c->command(std::span<const std::string_view>{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(errc::protocol));
  EXPECT_TRUE(c->ok());
}

TEST(sync_connection, refused_connect_is_io) {
  endpoint ep;
  ep.port = testing::free_port();
  auto c = sync_connection::open(ep, 1s);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), make_error_code(errc::io));
}

TEST(sync_connection, stalled_server_times_out_and_leaves_the_connection_unusable) {
  redis_process server;
  ASSERT_TRUE(server.start()) << "could not start redis-server";
  constexpr auto timeout = 300ms;
  auto c = sync_connection::open(server.ep(), timeout);
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->command({"PING"}));

  server.pause();
  auto started = steady::now();
  auto r = c->command({"PING"});
  auto elapsed = steady::now() - started;
  server.resume();

  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(errc::timeout)) << r.error().message();
  EXPECT_GE(elapsed, timeout - 50ms);
  // The server stays stopped until the call returns, so without the deadline the call would
  // never return; ten times the deadline is still far from that and leaves a loaded machine
  // the room to schedule the caller late.
  EXPECT_LT(elapsed, 10 * timeout);
  EXPECT_FALSE(c->ok());
  auto again = c->command({"PING"});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), make_error_code(errc::closed));
}

TEST(sync_connection, server_going_away_is_closed) {
  redis_process server;
  ASSERT_TRUE(server.start()) << "could not start redis-server";
  auto c = sync_connection::open(server.ep(), 1s);
  ASSERT_TRUE(c);
  server.kill();
  auto r = c->command({"PING"});
  ASSERT_FALSE(r);
  // The write may already fail (reset) or the read sees EOF, depending on timing.
  EXPECT_TRUE(r.error() == make_error_code(errc::closed) || r.error() == make_error_code(errc::io))
      << r.error().message();
}

TEST(sync_connection, auth_and_select_from_the_endpoint) {
  redis_process server("tr4ce");
  ASSERT_TRUE(server.start()) << "could not start redis-server";

  auto no_auth_ep = server.ep();
  no_auth_ep.password.clear();
  auto anonymous = sync_connection::open(no_auth_ep, 1s);
  ASSERT_TRUE(anonymous);
  auto refused = anonymous->command({"PING"});
  ASSERT_TRUE(refused);
  EXPECT_TRUE(refused->view().is_error());  // NOAUTH

  auto wrong_ep = server.ep();
  wrong_ep.password = "wrong";
  auto wrong = sync_connection::open(wrong_ep, 1s);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error(), make_error_code(errc::server));

  auto db2_ep = server.ep();
  db2_ep.user = "default";
  db2_ep.db = 2;
  auto db2 = sync_connection::open(db2_ep, 1s);
  ASSERT_TRUE(db2) << db2.error().message();
  ASSERT_TRUE(db2->command({"SET", "k", "in-db-2"}));

  auto db0 = sync_connection::open(server.ep(), 1s);
  ASSERT_TRUE(db0);
  auto in0 = db0->command({"GET", "k"});
  ASSERT_TRUE(in0);
  EXPECT_TRUE(in0->view().is_nil());
  auto in2 = db0->command({"SELECT", "2"});
  ASSERT_TRUE(in2);
  auto got = db0->command({"GET", "k"});
  ASSERT_TRUE(got);
  EXPECT_EQ(got->view().str(), "in-db-2");
}

}  // namespace
}  // namespace tracehub::redis
