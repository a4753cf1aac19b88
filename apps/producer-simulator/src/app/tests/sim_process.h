// app/tests/sim_process.h — the simulator binary as a child process (path compiled in as
// TRACEHUB_SIM_BIN), for end-to-end tests: start with flags and environment, SIGTERM (drain),
// SIGKILL (crash). Its stderr is the test's.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace tracehub::testing {

class sim_process {
 public:
  using env_list = std::vector<std::pair<std::string, std::string>>;

  // Starts the binary with `args` (after argv[0]) and `env` added to the environment; returns
  // at once. Throws std::runtime_error if fork fails.
  static sim_process spawn(const std::vector<std::string>& args, const env_list& env);

  sim_process(sim_process&& other) noexcept : pid_(other.pid_) { other.pid_ = -1; }
  sim_process& operator=(sim_process&&) = delete;
  sim_process(const sim_process&) = delete;
  sim_process& operator=(const sim_process&) = delete;
  ~sim_process();  // SIGKILL if still running

  void kill9();  // SIGKILL and reap: like a crash
  // SIGTERM, then waits for the exit. Returns the exit status, or -1 when it did not exit
  // within `limit` (it is then killed) or died of a signal.
  int terminate(std::chrono::milliseconds limit);
  // Waits for the exit without signalling; same return as terminate().
  int wait(std::chrono::milliseconds limit);
  bool running();  // false once it has exited (reaps it)

 private:
  explicit sim_process(pid_t pid) : pid_(pid) {}
  pid_t pid_;
};

}  // namespace tracehub::testing
