#include "testing/backend_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "testing/http_client.h"

#ifndef TRACEHUB_BACKEND_BIN
#error "TRACEHUB_BACKEND_BIN must name the backend binary"
#endif

namespace tracehub::testing {

namespace {

using clock = std::chrono::steady_clock;

bool wait_exit(pid_t pid, std::chrono::milliseconds limit) {
  auto deadline = clock::now() + limit;
  while (clock::now() < deadline) {
    int st = 0;
    pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid || r < 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace

unsigned short free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    throw std::runtime_error("cannot find a free port");
  close(fd);
  return ntohs(addr.sin_port);
}

backend_process backend_process::spawn(backend_options opts) {
  unsigned short port = free_port();
  std::vector<std::pair<std::string, std::string>> env = {
      {"DATABASE_URL", opts.database_url},
      {"REDIS_URL", opts.redis_url},
      {"TRACEHUB_HTTP_PORT", std::to_string(port)},
      {"TRACEHUB_BIND", "127.0.0.1"},
      {"TRACEHUB_ROLE", opts.role},
      {"TRACEHUB_CONSUMER", opts.consumer},
      {"TRACEHUB_WORKERS", std::to_string(opts.workers)},
      {"TRACEHUB_LOG_LEVEL", "warn"},
      // No dashboard listener unless a test asks for one (opts.env): tests run side by side.
      {"TRACEHUB_DASHBOARD_PORT", "-1"},
  };
  env.insert(env.end(), opts.env.begin(), opts.env.end());
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // Dies with the test: a crashed test must not leave a server holding ctest's pipes.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    for (auto& [k, v] : env)
      setenv(k.c_str(), v.c_str(), 1);
    execl(TRACEHUB_BACKEND_BIN, TRACEHUB_BACKEND_BIN, static_cast<char*>(nullptr));
    _exit(127);
  }
  return backend_process(std::move(opts), port, pid);
}

backend_process backend_process::start(backend_options opts) {
  auto p = spawn(std::move(opts));
  auto deadline = clock::now() + std::chrono::seconds(60);
  while (clock::now() < deadline) {
    if (!p.running()) throw std::runtime_error("backend exited during start-up");
    http_client c(p.port());
    if (c.get("/health").status == 200) return p;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("backend did not become healthy within 60 s");
}

backend_process::backend_process(backend_process&& other) noexcept
    : opts_(std::move(other.opts_)), port_(other.port_), pid_(other.pid_) {
  other.pid_ = -1;
}

backend_process::~backend_process() {
  if (pid_ > 0) terminate();
}

void backend_process::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  wait_exit(pid_, std::chrono::seconds(10));
  pid_ = -1;
}

void backend_process::terminate() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  if (!wait_exit(pid_, std::chrono::seconds(10))) {
    ::kill(pid_, SIGKILL);
    wait_exit(pid_, std::chrono::seconds(10));
  }
  pid_ = -1;
}

bool backend_process::running() {
  if (pid_ <= 0) return false;
  int st = 0;
  if (waitpid(pid_, &st, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

}  // namespace tracehub::testing
