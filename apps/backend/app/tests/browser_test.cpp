// The dashboard in a real browser: starts the backend with its dashboard port serving
// apps/dashboard/dist and runs tests/browser (node --test, playwright-core driving Debian's
// headless chromium) against it; the Node tests' exit status is this test's. The run also
// refreshes docs/screenshots/.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "backend/testing/backend_process.h"
#include "backend/testing/node_tests.h"
#include "backend/testing/pg_database.h"
#include "backend/testing/redis_db.h"

namespace tracehub {
namespace {

namespace fs = std::filesystem;

constexpr const char* test_dir = TRACEHUB_BROWSER_TEST_DIR;
constexpr const char* dist_dir = TRACEHUB_DASHBOARD_DIST;

TEST(dashboard_browser, playwright_suite_passes) {
  ASSERT_TRUE(fs::exists(fs::path(test_dir) / "node_modules" / "playwright-core"))
      << "npm packages missing in " << test_dir << ": run scripts/deps.sh";
  ASSERT_TRUE(fs::exists(fs::path(dist_dir) / "index.html"))
      << "the dashboard is not built (" << dist_dir << "): run scripts/build.sh";
  auto db = testing::pg_database::create();
  testing::redis_db redis;
  auto dashboard_port = testing::free_port();
  testing::backend_options opts{db.url(), redis.url()};
  opts.env = {{"TRACEHUB_DASHBOARD_PORT", std::to_string(dashboard_port)},
              {"TRACEHUB_DASHBOARD_DIR", dist_dir}};
  auto backend = testing::backend_process::start(opts);
  auto api = "http://127.0.0.1:" + std::to_string(backend.port());
  auto dashboard = "http://127.0.0.1:" + std::to_string(dashboard_port);
  // One file that runs the suites in order (they share one backend).
  EXPECT_EQ(
      testing::run_node_tests(test_dir, "dashboard.test.mjs",
                              {{"TRACEHUB_API_URL", api}, {"TRACEHUB_DASHBOARD_URL", dashboard}},
                              std::chrono::seconds(400)),
      0)
      << "node --test failed (its report is above)";
}

// A backend with an admin token: the dashboard asks for it, refuses a wrong one and, signed in,
// drives a control (tests/browser/sign-in.test.mjs).
TEST(dashboard_browser, signs_in_with_the_admin_token_and_drives_a_control) {
  ASSERT_TRUE(fs::exists(fs::path(test_dir) / "node_modules" / "playwright-core"))
      << "npm packages missing in " << test_dir << ": run scripts/deps.sh";
  ASSERT_TRUE(fs::exists(fs::path(dist_dir) / "index.html"))
      << "the dashboard is not built (" << dist_dir << "): run scripts/build.sh";
  const std::string token = "browser-admin-token-0123456789";
  auto db = testing::pg_database::create();
  testing::redis_db redis;
  auto dashboard_port = testing::free_port();
  testing::backend_options opts{db.url(), redis.url()};
  opts.env = {{"TRACEHUB_DASHBOARD_PORT", std::to_string(dashboard_port)},
              {"TRACEHUB_DASHBOARD_DIR", dist_dir},
              {"TRACEHUB_ADMIN_TOKEN", token}};
  auto backend = testing::backend_process::start(opts);
  auto api = "http://127.0.0.1:" + std::to_string(backend.port());
  auto dashboard = "http://127.0.0.1:" + std::to_string(dashboard_port);
  EXPECT_EQ(testing::run_node_tests(test_dir, "sign-in.test.mjs",
                                    {{"TRACEHUB_API_URL", api},
                                     {"TRACEHUB_DASHBOARD_URL", dashboard},
                                     {"TRACEHUB_ADMIN_TOKEN", token}},
                                    std::chrono::seconds(120)),
            0)
      << "node --test failed (its report is above)";
}

}  // namespace
}  // namespace tracehub
