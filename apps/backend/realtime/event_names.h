// realtime/event_names.h — the Socket.IO event names the hub itself treats specially (the
// full list is docs/PROTOCOL.md, "Events"; other events pass through broadcast() by name).
#pragma once

#include <string_view>

namespace tracehub::realtime::events {

inline constexpr std::string_view log_new = "log:new";          // filtered, rate-limited
inline constexpr std::string_view ack_sent = "ack:sent";        // coalesced per service
inline constexpr std::string_view log_skipped = "log:skipped";  // { count } per client
inline constexpr std::string_view metrics_snapshot = "metrics:snapshot";
inline constexpr std::string_view subscribe = "subscribe";  // client -> server: the filter

}  // namespace tracehub::realtime::events
