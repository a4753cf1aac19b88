// The Socket.IO channel against the stock npm socket.io-client: starts the real backend and
// runs tests/realtime (node --test) against it; the Node tests' exit status is this test's.
// The polling transport's tests get a backend of their own with a short heartbeat, so that a
// client that stops polling is dropped within seconds.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "backend/testing/backend_process.h"
#include "backend/testing/node_tests.h"
#include "backend/testing/pg_database.h"
#include "backend/testing/redis_db.h"

namespace tracehub {
namespace {

constexpr const char* node_dir = TRACEHUB_REALTIME_NODE_DIR;

TEST(realtime_node, socket_io_client_suite_passes) {
  ASSERT_TRUE(std::filesystem::exists(std::filesystem::path(node_dir) / "node_modules" /
                                      "socket.io-client"))
      << "npm packages missing in " << node_dir << ": run scripts/deps.sh";
  auto db = testing::pg_database::create();
  testing::redis_db redis;
  auto backend = testing::backend_process::start({db.url(), redis.url()});
  auto url = "http://127.0.0.1:" + std::to_string(backend.port());
  EXPECT_EQ(testing::run_node_tests(node_dir, "realtime.test.mjs", {{"BACKEND_URL", url}},
                                    std::chrono::seconds(240)),
            0)
      << "node --test failed (its report is above)";
}

TEST(realtime_node, polling_and_upgrade_suite_passes) {
  ASSERT_TRUE(std::filesystem::exists(std::filesystem::path(node_dir) / "node_modules" /
                                      "socket.io-client"))
      << "npm packages missing in " << node_dir << ": run scripts/deps.sh";
  auto db = testing::pg_database::create();
  testing::redis_db redis;
  testing::backend_options opts{db.url(), redis.url()};
  opts.env = {{"TRACEHUB_SOCKET_PING_INTERVAL_MS", "1000"},
              {"TRACEHUB_SOCKET_PING_TIMEOUT_MS", "1500"}};
  auto backend = testing::backend_process::start(opts);
  auto url = "http://127.0.0.1:" + std::to_string(backend.port());
  EXPECT_EQ(testing::run_node_tests(
                node_dir, "polling.test.mjs",
                {{"BACKEND_URL", url}, {"PING_INTERVAL_MS", "1000"}, {"PING_TIMEOUT_MS", "1500"}},
                std::chrono::seconds(180)),
            0)
      << "node --test failed (its report is above)";
}

}  // namespace
}  // namespace tracehub
