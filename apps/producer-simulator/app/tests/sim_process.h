// app/tests/sim_process.h — the simulator binary (path compiled in as TRACEHUB_SIM_BIN) as a
// child process for end-to-end tests (testing/child_process.h): start with flags and
// environment, SIGTERM (drain), SIGKILL (crash).
#pragma once

#include <string>
#include <vector>

#include "backend/testing/child_process.h"

namespace tracehub::testing {

class sim_process : public child_process {
 public:
  // Starts the binary with `args` (after argv[0]) and `env` added to the environment; returns
  // at once. Throws std::runtime_error if fork fails.
  static sim_process spawn(const std::vector<std::string>& args, const env_list& env);

 private:
  explicit sim_process(child_process c) : child_process(std::move(c)) {}
};

}  // namespace tracehub::testing
