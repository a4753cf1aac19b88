// testing/env.h — environment lookups for tests (GoogleTest only; never linked into the app).
#pragma once

#include <string>

namespace tracehub::testing {

// Returns the value of environment variable `name`. When it is unset or empty, records a
// failure on the current test naming the variable, then throws std::runtime_error so the test
// (or fixture constructor / SetUp) stops there; GoogleTest catches and reports it.
std::string require_env(const char* name);

}  // namespace tracehub::testing
