// testing/node_tests.h — runs a `node --test` suite (tests/realtime, tests/browser), or any
// other Node test command (the protocol suites of tests/conformance: `npm test`), as a child
// process of a GoogleTest test, against a server the test started. For test binaries only.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace tracehub::testing {

// Runs `node --test --test-reporter=spec <file>` in `dir` with `env` added to the
// environment; its report goes to this process's output. Returns node's exit status, or -1
// when it had to be killed after `limit`.
int run_node_tests(const std::string& dir, const std::string& file,
                   const std::vector<std::pair<std::string, std::string>>& env,
                   std::chrono::seconds limit);

struct program_result {
  int status = -1;     // the exit status; -1 when it had to be killed after the limit
  std::string output;  // what it wrote to stdout and stderr
};

// Runs `argv` (argv[0] looked up in PATH) in `dir` with `env` added to the environment, in a
// process group of its own (killed whole after `limit`). Its output goes to this process's
// output as it comes, and is returned too.
program_result run_program(const std::string& dir, const std::vector<std::string>& argv,
                           const std::vector<std::pair<std::string, std::string>>& env,
                           std::chrono::seconds limit);

}  // namespace tracehub::testing
