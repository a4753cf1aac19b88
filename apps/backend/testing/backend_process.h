// testing/backend_process.h — the real backend binary as a child process, for tests that
// talk to it over HTTP, kill it with SIGKILL and start it again. For GoogleTest binaries only.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "backend/testing/child_process.h"

namespace tracehub::testing {

struct backend_options {
  backend_options(std::string db, std::string redis)
      : database_url(std::move(db)), redis_url(std::move(redis)) {}

  std::string database_url;
  std::string redis_url;
  std::string role = "all";       // all | api | worker
  std::string consumer = "test";  // worker name prefix: keep it to resume a killed worker
  int workers = 1;
  std::vector<std::pair<std::string, std::string>> env;  // extra environment
};

class backend_process {
 public:
  // Picks a free loopback port, starts the binary (path compiled in as TRACEHUB_BACKEND_BIN)
  // and waits until /health answers 200, for at most 60 s. Throws std::runtime_error (the
  // test then fails) if it exits or never becomes healthy.
  static backend_process start(backend_options opts);
  // Starts the binary and returns at once, without waiting for anything.
  static backend_process spawn(backend_options opts);

  backend_process(backend_process&& other) noexcept = default;
  backend_process& operator=(backend_process&&) = delete;
  backend_process(const backend_process&) = delete;
  backend_process& operator=(const backend_process&) = delete;
  ~backend_process();  // SIGTERM, then SIGKILL after 10 s

  void kill9() { child_.kill9(); }  // SIGKILL and reap: nothing runs after it, like a crash
  void terminate();                 // SIGTERM and reap (graceful stop), SIGKILL after 10 s
  bool running() { return child_.running(); }  // false once it has exited (reaps it)

  unsigned short port() const { return port_; }
  pid_t pid() const { return child_.pid(); }  // -1 once it has exited and been reaped
  const backend_options& options() const { return opts_; }

 private:
  backend_process(backend_options opts, unsigned short port, child_process child)
      : opts_(std::move(opts)), port_(port), child_(std::move(child)) {}

  backend_options opts_;
  unsigned short port_;
  child_process child_;
};

// A free TCP port on 127.0.0.1 at the moment of the call.
unsigned short free_port();

}  // namespace tracehub::testing
