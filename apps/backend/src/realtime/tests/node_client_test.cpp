// The Socket.IO channel against the stock npm socket.io-client: starts the real backend and
// runs tests/realtime (node --test) against it; the Node tests' exit status is this test's.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <thread>

#include "testing/backend_process.h"
#include "testing/pg_database.h"
#include "testing/redis_db.h"

namespace tracehub {
namespace {

constexpr const char* node_dir = TRACEHUB_REALTIME_NODE_DIR;

// Runs `node --test realtime.test.mjs` in node_dir with BACKEND_URL set; returns its exit
// status, or -1 when it had to be killed after `limit`.
int run_node_tests(unsigned short port, std::chrono::seconds limit) {
  pid_t pid = fork();
  if (pid == 0) {
    if (chdir(node_dir) != 0) _exit(126);
    auto url = "http://127.0.0.1:" + std::to_string(port);
    setenv("BACKEND_URL", url.c_str(), 1);
    execlp("node", "node", "--test", "--test-reporter=spec", "realtime.test.mjs",
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

TEST(realtime_node, socket_io_client_suite_passes) {
  ASSERT_TRUE(std::filesystem::exists(std::filesystem::path(node_dir) / "node_modules" /
                                      "socket.io-client"))
      << "npm packages missing in " << node_dir << ": run scripts/deps.sh";
  auto db = testing::pg_database::create();
  testing::redis_db redis;
  auto backend = testing::backend_process::start({db.url(), redis.url()});
  EXPECT_EQ(run_node_tests(backend.port(), std::chrono::seconds(240)), 0)
      << "node --test failed (its report is above)";
}

}  // namespace
}  // namespace tracehub
