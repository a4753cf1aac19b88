// redis/tests/test_support.h — shared helpers for the redis tests: the shared server's endpoint
// (TRACEHUB_TEST_REDIS_URL, required), per-test key prefixes with cleanup, a private
// redis-server process the test can kill, restart and pause, and running an io_context until a
// condition holds or a deadline passes.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "backend/base/clock.h"
#include "backend/redis/endpoint.h"
#include "backend/redis/sync_connection.h"

extern char** environ;

namespace tracehub::redis::testing {

using namespace std::chrono_literals;

// Deletes every key handed out by key() when the test ends, so tests pass in any order.
class key_guard {
 public:
  explicit key_guard(endpoint ep) : ep_(std::move(ep)) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::random_device rd;
    prefix_ = "tracehub:test:redis:" + std::string(info->test_suite_name()) + "." + info->name() +
              ":" + std::to_string(::getpid()) + ":" + std::to_string(rd()) + ":";
  }
  ~key_guard() {
    if (keys_.empty()) return;
    auto c = sync_connection::open(ep_, 2s);
    if (!c) return;  // the server is gone (a test may have killed it): nothing left to delete
    std::vector<std::string_view> argv{"DEL"};
    argv.insert(argv.end(), keys_.begin(), keys_.end());
    (void)c->command(argv);  // best effort: a failure here must not mask the test's result
  }
  key_guard(const key_guard&) = delete;
  key_guard& operator=(const key_guard&) = delete;

  std::string key(std::string_view name) {
    keys_.push_back(prefix_ + std::string(name));
    return keys_.back();
  }

 private:
  endpoint ep_;
  std::string prefix_;
  std::vector<std::string> keys_;
};

// Fixture for tests against the shared server; fails (not skips) when it is not configured.
class shared_redis : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = std::getenv("TRACEHUB_TEST_REDIS_URL");
    ASSERT_NE(url, nullptr) << "TRACEHUB_TEST_REDIS_URL is not set: integration tests need a "
                               "Redis server, e.g. export TRACEHUB_TEST_REDIS_URL="
                               "redis://127.0.0.1:6379 (scripts/test-env.sh starts one)";
    auto ep = parse_url(url);
    ASSERT_TRUE(ep) << "TRACEHUB_TEST_REDIS_URL is not a redis:// URL: " << url;
    ep_ = *ep;
    keys_.emplace(ep_);
  }

  endpoint ep_;
  std::optional<key_guard> keys_;
};

// A TCP port nothing listens on right now (the kernel's pick for an ephemeral bind).
inline int free_port() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(s);
  return ntohs(addr.sin_port);
}

// A redis-server of the test's own, on a free port with a temporary directory, started as a
// child process so the test can kill it by PID, start it again on the same port, or pause it.
class redis_process {
 public:
  explicit redis_process(std::string password = "") : password_(std::move(password)) {
    char tmpl[] = "/tmp/tracehub-redis-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl) ? tmpl : "";
    port_ = free_port();
  }
  ~redis_process() {
    kill();
    std::error_code ignored;  // a leftover temp dir is harmless
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }
  redis_process(const redis_process&) = delete;
  redis_process& operator=(const redis_process&) = delete;

  endpoint ep() const {
    endpoint e;
    e.host = "127.0.0.1";
    e.port = port_;
    e.password = password_;
    return e;
  }

  // Spawns the server and waits (with a deadline) until it answers PING. False on failure.
  bool start() {
    std::vector<std::string> args{"redis-server", "--port",    std::to_string(port_),
                                  "--bind",       "127.0.0.1", "--dir",
                                  dir_,           "--save",    "",
                                  "--appendonly", "no",        "--daemonize",
                                  "no",           "--logfile", dir_ + "/redis.log"};
    if (!password_.empty()) {
      args.push_back("--requirepass");
      args.push_back(password_);
    }
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    if (::posix_spawnp(&pid_, "redis-server", nullptr, nullptr, argv.data(), environ) != 0) {
      pid_ = -1;
      return false;
    }
    return wait_ready(5s);
  }

  // SIGKILL and reap: when this returns the port is closed.
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  void pause() { ::kill(pid_, SIGSTOP); }
  void resume() { ::kill(pid_, SIGCONT); }

 private:
  bool wait_ready(std::chrono::milliseconds limit) {
    auto deadline = steady::now() + limit;
    while (steady::now() < deadline) {
      if (auto c = sync_connection::open(ep(), 200ms)) {
        auto r = c->command({"PING"});
        if (r && r->view().is_status()) return true;
      }
      std::this_thread::sleep_for(20ms);  // poll interval, bounded by the deadline above
    }
    return false;
  }

  std::string password_;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// Runs `io` until pred() holds or `limit` passes; returns pred(). Polling by events, not sleeps.
inline bool run_until(boost::asio::io_context& io, const std::function<bool()>& pred,
                      std::chrono::milliseconds limit) {
  auto deadline = steady::now() + limit;
  while (!pred() && steady::now() < deadline) {
    if (io.stopped()) io.restart();
    // Out of work: no handler is left that could make pred() true.
    if (io.run_one_until(deadline) == 0 && io.stopped()) break;
  }
  return pred();
}

// Runs the coroutine to completion on `io` within `limit`. False (with a test failure) when it
// did not finish in time; rethrows what it threw.
inline bool run(boost::asio::io_context& io, boost::asio::awaitable<void> body,
                std::chrono::milliseconds limit = 10s) {
  struct state {
    bool done = false;
    std::exception_ptr error;
  };
  auto st = std::make_shared<state>();
  boost::asio::co_spawn(io, std::move(body), [st](std::exception_ptr e) {
    st->done = true;
    st->error = e;
  });
  bool finished = run_until(
      io, [&] { return st->done; }, limit);
  EXPECT_TRUE(finished) << "coroutine did not finish within " << limit.count() << " ms";
  if (st->error) std::rethrow_exception(st->error);
  return finished;
}

}  // namespace tracehub::redis::testing
