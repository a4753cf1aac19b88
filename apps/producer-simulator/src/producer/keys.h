// producer/keys.h — every Redis key the producer uses, per service. The braces are literal: a
// hash tag, so one service's keys share a Redis Cluster slot (as the backend's ack:{svc}).
//
//   seq:{svc}       string  the last seq handed out (INCRBY by the produce script)
//   buffer:{svc}    zset    unacknowledged entries: member = the entry's JSON exactly as a batch
//                           carries it ({"seq":n,...}), score = seq. Written by the produce
//                           script, trimmed by the producer on ACKs, read by the backend's replay
//                           worker. THE MEMBER FORMAT IS A CONTRACT with that worker.
//   producer:{svc}  hash    the producer's published state (see producer.h), EXPIRE 10 s
//   producer-id:{svc} string the id of the current sequence space (the batches' producerId),
//                           made new whenever seq:{svc} starts again from 1
#pragma once

#include <string>
#include <string_view>

namespace tracehub::producer::keys {

inline std::string seq(std::string_view service) {
  return "seq:{" + std::string(service) + "}";
}
inline std::string buffer(std::string_view service) {
  return "buffer:{" + std::string(service) + "}";
}
inline std::string producer_id(std::string_view service) {
  return "producer-id:{" + std::string(service) + "}";
}
inline std::string state(std::string_view service) {
  return "producer:{" + std::string(service) + "}";
}

}  // namespace tracehub::producer::keys
