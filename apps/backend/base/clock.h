// base/clock.h — wall and monotonic time in the units the rest of the code uses.
#pragma once

#include <chrono>
#include <cstdint>

namespace tracehub {

using steady = std::chrono::steady_clock;

// Milliseconds since the Unix epoch (wall clock): ACK batch ids, default log timestamps.
inline std::int64_t now_epoch_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace tracehub
