#include "backend/testing/env.h"

#include <cstdlib>
#include <stdexcept>

#include <gtest/gtest.h>

namespace tracehub::testing {

std::string require_env(const char* name) {
  const char* value = std::getenv(name);
  if (value != nullptr && *value != '\0') return value;
  const std::string message = std::string("environment variable ") + name +
                              " is not set; integration tests need it (see scripts/test-env.sh)";
  ADD_FAILURE() << message;
  throw std::runtime_error(message);
}

}  // namespace tracehub::testing
