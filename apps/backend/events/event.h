// events/event.h — one event of the real-time channel (docs/PROTOCOL.md, "Events"): its name,
// the fields the channel filters and coalesces on, and its payload serialised once. Immutable
// once made and shared (event_ptr) by every subscriber, every client queue and the bridge to
// other processes (events/bridge.h), so no one parses or serialises it again.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "backend/queue/copy_row.h"

namespace tracehub::events {

struct event {
  std::string name;                             // "log:new", "ack:sent", ...
  std::string service;                          // the service it concerns; empty when none
  std::string level;                            // log:new: the entry's level
  std::int64_t seq = 0;                         // log:new: the entry's seq
  std::shared_ptr<const queue::log_entry> log;  // log:new only
  std::shared_ptr<const std::string> payload;   // the JSON argument, valid JSON text
};

using event_ptr = std::shared_ptr<const event>;

// An event whose payload is `json` (valid JSON text, made by the caller).
inline event_ptr make(std::string_view name, std::string json, std::string service = {}) {
  auto e = std::make_shared<event>();
  e->name = name;
  e->service = std::move(service);
  e->payload = std::make_shared<const std::string>(std::move(json));
  return e;
}

// log:new for one stored entry; the payload is its LogEntry JSON.
inline event_ptr log_new(queue::log_entry entry) {
  auto e = std::make_shared<event>();
  e->name = "log:new";
  e->service = entry.service;
  e->level = entry.level;
  e->seq = entry.seq;
  e->payload = std::make_shared<const std::string>(queue::log_entry_json(entry));
  e->log = std::make_shared<const queue::log_entry>(std::move(entry));
  return e;
}

}  // namespace tracehub::events
