// ingest/keys.h — the ACK state's Redis keys. The queue keys are in queue/keys.h.
//
// Per service, `ack:{svc}` and `gaps:{svc}` share the hash tag {svc}, so a future Redis Cluster
// keeps one service's ACK state in one slot. The ACK script also appends to queue:logs and
// bumps ack:batch_seq; on a cluster those become per-slot keys (see README, keyspace).
#pragma once

#include <string>
#include <string_view>

namespace tracehub::ingest::keys {

inline std::string ack_state(std::string_view service) {
  return "ack:{" + std::string(service) + "}";
}
inline std::string gaps(std::string_view service) {
  return "gaps:{" + std::string(service) + "}";
}
inline constexpr std::string_view batch_seq = "ack:batch_seq";
// Set (with an expiry) by the `reset` control while it clears the state: the ACK step then
// refuses every batch (503, retry), so no batch straddles the reset.
inline constexpr std::string_view paused = "ingest:paused";
// Every service name the ACK step has seen (metrics and GET /services list them).
inline constexpr std::string_view services = "services";

}  // namespace tracehub::ingest::keys
