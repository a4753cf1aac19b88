// The dashboard in a real browser: starts the backend with its dashboard port serving
// apps/dashboard/dist and runs tests/browser (node --test, playwright-core driving Debian's
// headless chromium) against it; the Node tests' exit status is this test's. The run also
// refreshes docs/screenshots/.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <string>
#include <thread>

#include "testing/backend_process.h"
#include "testing/pg_database.h"
#include "testing/redis_db.h"

namespace tracehub {
namespace {

namespace fs = std::filesystem;

constexpr const char* test_dir = TRACEHUB_BROWSER_TEST_DIR;
constexpr const char* dist_dir = TRACEHUB_DASHBOARD_DIST;

// Runs `node --test dashboard.test.mjs` in test_dir with the URLs set; returns its exit status, or
// -1 when it had to be killed after `limit`.
int run_node_tests(unsigned short api_port, unsigned short dashboard_port,
                   std::chrono::seconds limit) {
  auto api = "http://127.0.0.1:" + std::to_string(api_port);
  auto dashboard = "http://127.0.0.1:" + std::to_string(dashboard_port);
  pid_t pid = fork();
  if (pid == 0) {
    if (chdir(test_dir) != 0) _exit(126);
    setenv("TRACEHUB_API_URL", api.c_str(), 1);
    setenv("TRACEHUB_DASHBOARD_URL", dashboard.c_str(), 1);
    // One file that runs the suites in order (they share one backend).
    execlp("node", "node", "--test", "--test-reporter=spec", "dashboard.test.mjs",
           static_cast<char*>(nullptr));
    _exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

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
  EXPECT_EQ(run_node_tests(backend.port(), dashboard_port, std::chrono::seconds(400)), 0)
      << "node --test failed (its report is above)";
}

}  // namespace
}  // namespace tracehub
