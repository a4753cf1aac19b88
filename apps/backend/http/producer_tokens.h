// http/producer_tokens.h — optional producer credentials for POST /ingest
// (TRACEHUB_INGEST_TOKENS, off by default; README "Security").
//
// The setting maps tokens to the services they may write: `token:svc1,svc2;token2:svc3`
// (`*` for every service). With it set, a producer sends `Authorization: Bearer <token>` and
// names its service in `X-TraceHub-Service`; ingest_guard() answers before the body is read:
// 401 without a known token, 400 without the service header, 403 for a service the token does
// not cover. The ingest handler then refuses a body whose service differs from the header.
// Immutable after parse: share it freely across threads.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "backend/http/reply.h"

namespace tracehub::http {

// The header a producer names its batch's service in (checked against the body by ingest).
inline constexpr std::string_view service_header = "X-TraceHub-Service";

class producer_tokens {
 public:
  // Parses the setting; "" gives an empty map (no credentials required). nullopt with
  // `error` saying what is wrong for an empty token or service list, or a duplicate token.
  static std::optional<producer_tokens> parse(std::string_view spec, std::string& error);

  bool empty() const { return services_.empty(); }
  // 401/400/403 as described above; nullopt when `h` may write the service it names, or
  // when no tokens are configured.
  std::optional<reply> refuse(const request_header& h) const;

 private:
  std::map<std::string, std::set<std::string>, std::less<>> services_;  // token -> services
};

// The guard of POST /ingest: the JSON content type (guard.h), then `tokens`'s refusal.
route_guard ingest_guard(std::shared_ptr<const producer_tokens> tokens);

}  // namespace tracehub::http
