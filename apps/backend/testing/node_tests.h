// testing/node_tests.h — runs a `node --test` suite (tests/realtime, tests/browser) as a child
// process of a GoogleTest test, against a backend the test started. For test binaries only.
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

}  // namespace tracehub::testing
