// Integration test that stops and restarts the test server (TRACEHUB_TEST_PG_STOP /
// TRACEHUB_TEST_PG_START from scripts/test-env.sh), so ctest runs it alone (RUN_SERIAL).
#include <chrono>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "backend/pg/connection.h"
#include "backend/pg/errc.h"
#include "backend/testing/env.h"
#include "backend/testing/pg_database.h"

namespace {

namespace pg = tracehub::pg;
using pg::errc;
using namespace std::chrono_literals;

// Stops the server on construction; starts it again on destruction if the test did not, so a
// failing test does not leave the server down for the fixture's cleanup and later tests.
class server_outage {
 public:
  server_outage()
      : stop_(tracehub::testing::require_env("TRACEHUB_TEST_PG_STOP")),
        start_(tracehub::testing::require_env("TRACEHUB_TEST_PG_START")) {
    EXPECT_EQ(std::system(stop_.c_str()), 0) << stop_;
  }
  ~server_outage() {
    if (!started_) start();
  }
  server_outage(const server_outage&) = delete;
  server_outage& operator=(const server_outage&) = delete;

  bool start() {
    started_ = true;
    const int rc = std::system(start_.c_str());
    EXPECT_EQ(rc, 0) << start_;
    return rc == 0;
  }

 private:
  std::string stop_;
  std::string start_;
  bool started_ = false;
};

TEST(pg_outage, stopped_server_is_io_at_once_and_a_new_open_works_after_restart) {
  auto db = tracehub::testing::pg_database::create();
  pg::connection before = db.connect();
  ASSERT_TRUE(before.exec("CREATE TABLE t (id INT); INSERT INTO t VALUES (1)"));
  {
    server_outage outage;

    auto st = before.exec("SELECT 1");
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error(), errc::io);
    EXPECT_FALSE(before.ok());

    // Refused at once, not after the connect timeout: that is long here, so the bug (waiting
    // it out) takes 20 s and the bound, half of it, leaves a loaded machine plenty of room.
    constexpr auto connect_timeout = 20s;
    const auto start = std::chrono::steady_clock::now();
    auto down = pg::connection::open(db.url(), connect_timeout);
    ASSERT_FALSE(down);
    EXPECT_EQ(down.error(), errc::io);
    EXPECT_LT(std::chrono::steady_clock::now() - start, connect_timeout / 2);

    ASSERT_TRUE(outage.start());
  }
  auto after = pg::connection::open(db.url());
  ASSERT_TRUE(after) << after.error().message();
  auto r = after->query("SELECT count(*) FROM t");
  ASSERT_TRUE(r) << after->last_error();
  EXPECT_EQ(r->get_int(0, 0), 1);
}

}  // namespace
