// Fuzzes the decoder of events on Redis (events/wire.h), which reads what any process put on
// the shared channel:
//  - decode never crashes, whatever the bytes;
//  - what it accepts has a non-empty origin and at least one event, each with a name and a
//    payload; a log:new carries its entry, whose fields agree with the event's;
//  - encoding what it read and decoding that again gives the same events, field for field.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "backend/events/wire.h"
#include "check.h"

namespace tracehub::fuzz {
namespace {

bool same(const events::event& a, const events::event& b) {
  if (a.name != b.name || a.service != b.service || a.level != b.level || a.seq != b.seq ||
      *a.payload != *b.payload || !a.log != !b.log)
    return false;
  if (!a.log) return true;
  const auto& x = *a.log;
  const auto& y = *b.log;
  return x.service == y.service && x.seq == y.seq && x.level == y.level && x.message == y.message &&
         x.request_id == y.request_id && x.ts == y.ts && x.attrs == y.attrs;
}

}  // namespace
}  // namespace tracehub::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tracehub;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto m = events::wire::decode(in);
  if (!m) return 0;
  FUZZ_CHECK(!m->origin.empty(), "an accepted message names its origin");
  FUZZ_CHECK(!m->events.empty(), "an accepted message carries an event");
  for (const auto& e : m->events) {
    FUZZ_CHECK(!e->name.empty() && e->payload && !e->payload->empty(), "name and payload");
    if (e->name == "log:new") {
      FUZZ_CHECK(e->log != nullptr, "log:new carries its entry");
      FUZZ_CHECK(
          e->log->service == e->service && e->log->seq == e->seq && e->log->level == e->level,
          "a log:new's fields are its entry's");
    }
  }
  auto again = events::wire::decode(events::wire::encode(m->origin, m->events));
  FUZZ_CHECK(again.has_value(), "what decode read encodes to a message it reads");
  FUZZ_CHECK(again->origin == m->origin, "origin round-trips");
  FUZZ_CHECK(again->events.size() == m->events.size(), "event count round-trips");
  for (std::size_t i = 0; i < m->events.size(); ++i)
    FUZZ_CHECK(fuzz::same(*again->events[i], *m->events[i]), "each event round-trips");
  return 0;
}
