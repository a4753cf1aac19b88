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

}  // namespace tracehub::ingest::keys
