// traffic/log_event.h — one simulated log line before it has a seq: what a service "wrote".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace tracehub::traffic {

enum class level { debug, info, warn, error, fatal };

inline constexpr std::string_view level_name(level l) {
  constexpr std::string_view names[] = {"debug", "info", "warn", "error", "fatal"};
  return names[static_cast<int>(l)];
}

// A flat attrs value: integers, decimals (rendered with two digits: amounts), text, flags.
using attr_value = std::variant<std::int64_t, double, std::string, bool>;

struct log_event {
  level lvl = level::info;
  std::string_view message;  // points into a static vocabulary (service_profile.cpp)
  std::string request_id;    // "r-<12 hex digits>"
  std::int64_t ts_ms = 0;    // wall clock, milliseconds since the Unix epoch
  std::vector<std::pair<std::string_view, attr_value>> attrs;  // keys are static strings
};

}  // namespace tracehub::traffic
