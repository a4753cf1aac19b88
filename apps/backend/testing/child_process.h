// testing/child_process.h — a binary under test as a child process: start it with arguments
// and environment, stop it with SIGTERM (graceful) or SIGKILL (a crash), wait for its exit. The
// child dies with the test (PR_SET_PDEATHSIG), so a crashed test never leaves a server holding
// ctest's pipes. For GoogleTest binaries only; its stderr is the test's.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace tracehub::testing {

class child_process {
 public:
  using env_list = std::vector<std::pair<std::string, std::string>>;

  // Starts `path` with `args` (after argv[0]) and `env` added to the environment; returns at
  // once. Throws std::runtime_error if fork fails.
  static child_process spawn(const std::string& path, const std::vector<std::string>& args,
                             const env_list& env);

  child_process(child_process&& other) noexcept : pid_(other.pid_) { other.pid_ = -1; }
  child_process& operator=(child_process&&) = delete;
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  ~child_process();  // SIGKILL if still running

  void kill9();  // SIGKILL and reap: nothing runs after it, like a crash
  // SIGTERM, then waits for the exit. Returns the exit status, or -1 when it did not exit
  // within `limit` (it is then killed) or died of a signal.
  int terminate(std::chrono::milliseconds limit);
  // Waits for the exit without signalling; same return as terminate().
  int wait(std::chrono::milliseconds limit);
  bool running();  // false once it has exited (reaps it)

  pid_t pid() const { return pid_; }  // -1 once it has exited and been reaped

 protected:
  explicit child_process(pid_t pid) : pid_(pid) {}

 private:
  pid_t pid_;
};

}  // namespace tracehub::testing
