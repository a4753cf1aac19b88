// Integration tests: need TRACEHUB_TEST_PG_URL (an admin URL); each test gets its own database.
#include <array>
#include <latch>
#include <thread>

#include <gtest/gtest.h>

#include "backend/pg/errc.h"
#include "backend/pg/migrate.h"
#include "backend/pg/sql.h"
#include "backend/testing/pg_database.h"

namespace {

namespace pg = tracehub::pg;
using pg::errc;

class pg_migrate : public ::testing::Test {
 protected:
  tracehub::testing::pg_database db_ = tracehub::testing::pg_database::create();
  pg::connection c_ = db_.connect();

  std::int64_t scalar(const std::string& sql) {
    auto r = c_.query(sql);
    EXPECT_TRUE(r) << c_.last_error();
    return r && r->size() == 1 ? r->get_int(0, 0) : -1;
  }
};

TEST_F(pg_migrate, applies_every_backend_migration_once) {
  const int all = static_cast<int>(pg::backend_migrations().size());
  ASSERT_GE(all, 3);
  auto first = pg::migrate(c_, pg::backend_migrations());
  ASSERT_TRUE(first) << c_.last_error();
  EXPECT_EQ(*first, all);
  auto second = pg::migrate(c_, pg::backend_migrations());
  ASSERT_TRUE(second) << c_.last_error();
  EXPECT_EQ(*second, 0);

  auto recorded = c_.query("SELECT version, name FROM schema_migrations ORDER BY version");
  ASSERT_TRUE(recorded);
  ASSERT_EQ(recorded->size(), static_cast<std::size_t>(all));
  EXPECT_EQ(recorded->get(0, 1), "logs");
  EXPECT_EQ(recorded->get(1, 1), "ack_state");
  EXPECT_EQ(recorded->get(2, 1), "replay_requests");
  EXPECT_EQ(scalar("SELECT count(*) FROM logs"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM ack_state"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM replay_requests"), 0);
}

TEST_F(pg_migrate, concurrent_callers_both_succeed_and_apply_once) {
  std::array<tracehub::result<int>, 2> results = {0, 0};
  std::latch start(2);
  auto run = [&](std::size_t i) {
    auto c = pg::connection::open(db_.url());
    if (!c) {
      results[i] = c.error();
      start.count_down();
      return;
    }
    start.arrive_and_wait();
    results[i] = pg::migrate(*c, pg::backend_migrations());
  };
  std::thread a(run, 0);
  std::thread b(run, 1);
  a.join();
  b.join();

  ASSERT_TRUE(results[0]) << results[0].error().message();
  ASSERT_TRUE(results[1]) << results[1].error().message();
  const int all = static_cast<int>(pg::backend_migrations().size());
  EXPECT_EQ(*results[0] + *results[1], all);
  EXPECT_EQ(scalar("SELECT count(*) FROM schema_migrations"), all);
}

TEST_F(pg_migrate, applies_only_migrations_added_since_the_last_run) {
  const std::array<pg::migration, 2> migrations = {{
      {1, "a", "CREATE TABLE a (x INT)"},
      {2, "b", "CREATE TABLE b (x INT); INSERT INTO b VALUES (1)"},
  }};
  auto first = pg::migrate(c_, std::span(migrations).first(1));
  ASSERT_TRUE(first) << c_.last_error();
  EXPECT_EQ(*first, 1);
  auto second = pg::migrate(c_, migrations);
  ASSERT_TRUE(second) << c_.last_error();
  EXPECT_EQ(*second, 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM b"), 1);
}

TEST_F(pg_migrate, failing_migration_is_rolled_back_and_earlier_ones_stay) {
  const std::array<pg::migration, 3> migrations = {{
      {1, "a", "CREATE TABLE a (x INT)"},
      {2, "broken", "CREATE TABLE b (x INT); SELECT no_such_function()"},
      {3, "c", "CREATE TABLE c (x INT)"},
  }};
  auto r = pg::migrate(c_, migrations);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::server);
  EXPECT_NE(c_.last_error().find("no_such_function"), std::string::npos) << c_.last_error();
  EXPECT_TRUE(c_.ok());

  EXPECT_EQ(scalar("SELECT count(*) FROM schema_migrations"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_tables WHERE tablename IN ('b', 'c')"), 0);
  // The advisory lock was released: another session can take it at once.
  pg::connection other = db_.connect();
  const std::array<pg::param, 1> key = {pg::sql::migrate_lock_key};
  auto lock = other.query("SELECT pg_try_advisory_lock($1::bigint)", key);
  ASSERT_TRUE(lock) << other.last_error();
  EXPECT_EQ(lock->get(0, 0), "t");
}

}  // namespace
