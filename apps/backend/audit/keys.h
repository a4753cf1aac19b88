// audit/keys.h — the audit's own Redis keys (docs/PROTOCOL.md, "Audit"). The reset control
// deletes every key matching `pattern`, so a reset also starts the audit over.
#pragma once

#include <string>
#include <string_view>

namespace tracehub::audit::keys {

// hash: verified = the seq up to which the service's ACKed seqs have been checked
inline std::string state(std::string_view service) {
  return "audit:{" + std::string(service) + "}";
}
// zset, member "lo:hi", score lo: ranges below `verified` that were not checkable yet (missing
// or being replayed at the last round); checked again by the next round
inline std::string recheck(std::string_view service) {
  return "audit-recheck:{" + std::string(service) + "}";
}
// string with expiry: one audit at a time, across every backend process
inline constexpr std::string_view lock = "audit:lock";
// string with expiry: the running round's token; a reset deletes it, and the round then
// records nothing
inline constexpr std::string_view run = "audit:run";
// SCAN pattern of all of the above
inline constexpr std::string_view pattern = "audit*";

}  // namespace tracehub::audit::keys
