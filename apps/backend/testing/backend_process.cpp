#include "backend/testing/backend_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "backend/testing/http_client.h"

#ifndef TRACEHUB_BACKEND_BIN
#error "TRACEHUB_BACKEND_BIN must name the backend binary"
#endif

namespace tracehub::testing {

namespace {

using clock = std::chrono::steady_clock;

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
  child_process::env_list env = {
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
  auto child = child_process::spawn(TRACEHUB_BACKEND_BIN, {}, env);
  return backend_process(std::move(opts), port, std::move(child));
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

backend_process::~backend_process() {
  terminate();
}

void backend_process::terminate() {
  child_.terminate(std::chrono::seconds(10));
}

}  // namespace tracehub::testing
