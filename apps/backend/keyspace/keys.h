// keyspace/keys.h — the ACK state's Redis keyspace (docs/PROTOCOL.md, "Keyspace"): every key
// name, hash field and member form that the backend (ingest, replay, audit, metrics, control)
// and the producer simulator share, defined here and nowhere else. Lua scripts get the same
// names and codecs from keyspace::with_lua_prelude (keyspace/lua.h); the queue's streams and
// entry fields are queue/keys.h's, the audit's own keys audit/keys.h's.
//
// Per service, a key carries the service name in literal braces, `ack:{payment-service}`: a
// Redis Cluster hash tag, so one service's keys share a slot.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace tracehub::keyspace {

// The prefixes of the per-service keys; the key is `<prefix>:{<service>}`.
namespace prefix {
inline constexpr std::string_view ack = "ack";
inline constexpr std::string_view gaps = "gaps";
inline constexpr std::string_view lost = "lost";
inline constexpr std::string_view buffer = "buffer";
inline constexpr std::string_view seq = "seq";
inline constexpr std::string_view producer = "producer";
inline constexpr std::string_view producer_id = "producer-id";
inline constexpr std::array all{ack, gaps, lost, buffer, seq, producer, producer_id};
}  // namespace prefix

// `<prefix>:{<service>}`.
inline std::string per_service(std::string_view key_prefix, std::string_view service) {
  std::string out;
  out.reserve(key_prefix.size() + service.size() + 3);
  out += key_prefix;
  out += ":{";
  out += service;
  out += '}';
  return out;
}

// hash, fields ack_field below: the service's ACK state. Written by the ACK script.
inline std::string ack(std::string_view service) {
  return per_service(prefix::ack, service);
}
// sorted set: one member per missing range (format_range, keyspace/range.h), score lo.
inline std::string gaps(std::string_view service) {
  return per_service(prefix::gaps, service);
}
// sorted set: ranges given up as lost (by the replay worker or the audit), same form as gaps.
inline std::string lost(std::string_view service) {
  return per_service(prefix::lost, service);
}
// sorted set: the producer's unacknowledged entries, score = seq, member = the entry's JSON
// exactly as a batch carries it, `{"seq":<n>,` + the rest (the prelude's buffer_member).
// Written and trimmed by the producer, read by the replay worker: a contract between the two.
inline std::string buffer(std::string_view service) {
  return per_service(prefix::buffer, service);
}
// string: the producer's last seq handed out (INCRBY by its produce script).
inline std::string seq(std::string_view service) {
  return per_service(prefix::seq, service);
}
// hash, fields producer_field below: the producer's published state, with a 10 s expiry.
inline std::string producer(std::string_view service) {
  return per_service(prefix::producer, service);
}
// string: the producer id of the current sequence space, new whenever seq:{svc} restarts at 1.
inline std::string producer_id(std::string_view service) {
  return per_service(prefix::producer_id, service);
}
// SCAN pattern matching one per-service key family of every service: `<prefix>:{*}`.
inline std::string pattern(std::string_view key_prefix) {
  return per_service(key_prefix, "*");
}

// Counter behind the ACK's batchId.
inline constexpr std::string_view batch_seq = "ack:batch_seq";
// Set (with an expiry) by the `reset` control while it clears the state: the ACK step then
// refuses every batch (503, retry), so no batch straddles the reset.
inline constexpr std::string_view paused = "ingest:paused";
// set: every service name the ACK step has seen (metrics, the audit and GET /services list them).
inline constexpr std::string_view services = "services";

// Fields of ack:{svc}.
namespace ack_field {
inline constexpr std::string_view till = "till";        // ackTill
inline constexpr std::string_view missing = "missing";  // seqs missing (in gaps:{svc})
inline constexpr std::string_view version = "ver";      // bumped by every accepted batch
inline constexpr std::string_view acked_at_ms = "at";   // time of the last ACK
// The producer id owning the service's sequence space, and the lowest seq it may send
// (docs/PROTOCOL.md, "Producer ids").
inline constexpr std::string_view owner = "owner";
inline constexpr std::string_view owner_from = "owner_from";
inline constexpr std::string_view reused = "reused";  // batches refused as sequence_reused
}  // namespace ack_field

// Fields of producer:{svc}, published by the producer every second.
namespace producer_field {
inline constexpr std::string_view buffer_depth = "buffer_depth";
inline constexpr std::string_view last_ack_till = "last_ack_till";
inline constexpr std::string_view in_flight = "in_flight";
inline constexpr std::string_view send_errors = "send_errors";
inline constexpr std::string_view rejected = "rejected";
inline constexpr std::string_view abandoned = "abandoned";
inline constexpr std::string_view rate_eps = "rate_eps";
inline constexpr std::string_view sent_total = "sent_total";
inline constexpr std::string_view acked_total = "acked_total";
inline constexpr std::string_view unsequenced_dropped = "unsequenced_dropped";
inline constexpr std::string_view buffer_full = "buffer_full";  // "1" while producing is paused
inline constexpr std::string_view max_buffer = "max_buffer";
inline constexpr std::string_view held_back = "held_back";  // logs not produced while full
inline constexpr std::string_view sequence_reused = "sequence_reused";  // 409s received
inline constexpr std::string_view fenced = "fenced";
inline constexpr std::string_view producer_id = "producer_id";
inline constexpr std::string_view updated_at_ms = "updated_at_ms";
inline constexpr std::string_view pid = "pid";
}  // namespace producer_field

}  // namespace tracehub::keyspace
