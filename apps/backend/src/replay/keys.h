// replay/keys.h — the Redis keys the replay worker reads and writes.
#pragma once

#include <string>
#include <string_view>

namespace tracehub::replay::keys {

// A producer's buffer (docs/PROTOCOL.md, "Keyspace"): sorted set, score = seq, member = the entry's
// JSON exactly as it appears in a batch. Written and trimmed by the producer; read here.
inline std::string buffer(std::string_view service) {
  return "buffer:{" + std::string(service) + "}";
}
// A producer's published state: hash (buffer_depth, buffer_full, held_back, ...), written by the
// producer every second with a 10 s expiry; the metrics poller reads buffer_full and held_back.
inline std::string producer_state(std::string_view service) {
  return "producer:{" + std::string(service) + "}";
}
// Ranges given up as lost: sorted set, member "lo:hi", score lo (same form as gaps:{svc}).
inline std::string lost(std::string_view service) {
  return "lost:{" + std::string(service) + "}";
}

}  // namespace tracehub::replay::keys
