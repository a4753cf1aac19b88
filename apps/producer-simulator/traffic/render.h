// traffic/render.h — log events as ingest entries (docs/PROTOCOL.md, "Ingest"), JSON text.
//
// An entry is rendered in two parts so Redis can give it its seq: the *tail* is the entry's
// JSON object without its opening brace and seq (`"level":"info",...,"attrs":{...}}`), and the
// full entry is `{"seq":<n>,` + tail — "seq" first. That full text is what the producer's
// buffer holds (the contract the backend's replay worker reads) and what a batch carries.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "backend/base/json_text.h"
#include "producer-simulator/traffic/log_event.h"

namespace tracehub::traffic {

// `"level":..,"message":..,"requestId":..,"ts":..,"attrs":{..}}` (attrs omitted when empty).
std::string render_tail(const log_event& e);

// `{"seq":<seq>,` + tail: byte for byte what the produce script stores.
std::string render_entry(std::int64_t seq, std::string_view tail);

// "YYYY-MM-DDTHH:MM:SS.mmmZ" (RFC 3339, UTC, milliseconds).
std::string format_rfc3339_ms(std::int64_t epoch_ms);

// JSON string literals are written with base/json_text.h's append_json_string.
using tracehub::append_json_string;

}  // namespace tracehub::traffic
