// events/wire.h — an event on Redis (docs/PROTOCOL.md, "Events across processes"): the one
// owner of the format that the bridge (events/bridge.h) publishes on the events channel.
//
// One message carries one or more events published by one process, tagged with that process's
// origin id, as a sequence of length-prefixed fields (`<decimal length>:<bytes>`, no
// separators):
//   "tev1"  origin  then per event: name  service  level  seq  body
// body is the entry's COPY row (queue/copy_row.h) for log:new — the receiver rebuilds the entry
// and its LogEntry JSON once — and the JSON payload for every other event. Binary-safe;
// decode() refuses anything else (bad magic, a length past the end, a bad seq, a log:new row
// that does not read, disagrees with the event's fields, or has a level or ts holding a byte
// COPY escapes, an empty name) with boost::system::errc::bad_message.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backend/base/result.h"
#include "backend/events/event.h"

namespace tracehub::events::wire {

inline constexpr std::string_view magic = "tev1";
inline constexpr std::size_t max_name = 64;

// The Redis pub/sub channel of the events of the database `db` (pub/sub is not per database,
// so the index is part of the name: two deployments on one server stay apart).
inline std::string channel(int db) {
  return "tracehub:events:" + std::to_string(db);
}

struct message {
  std::string origin;
  std::vector<event_ptr> events;
};

std::string encode(std::string_view origin, std::span<const event_ptr> events);

// boost::system::errc::bad_message on anything encode() does not produce.
result<message> decode(std::string_view text);

}  // namespace tracehub::events::wire
