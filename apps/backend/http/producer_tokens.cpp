#include "backend/http/producer_tokens.h"

#include "backend/http/admin.h"
#include "backend/http/guard.h"

namespace tracehub::http {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ')
    s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ')
    s.remove_suffix(1);
  return s;
}

// Calls f on each non-empty, trimmed piece of `s` between `sep`s.
template <class F>
void split(std::string_view s, char sep, F f) {
  while (!s.empty()) {
    auto at = s.find(sep);
    auto piece = trim(s.substr(0, at));
    if (!piece.empty()) f(piece);
    if (at == std::string_view::npos) break;
    s.remove_prefix(at + 1);
  }
}

}  // namespace

std::optional<producer_tokens> producer_tokens::parse(std::string_view spec, std::string& error) {
  producer_tokens t;
  error.clear();
  split(spec, ';', [&](std::string_view entry) {
    if (!error.empty()) return;
    auto colon = entry.find(':');
    auto token = trim(entry.substr(0, colon));
    if (colon == std::string_view::npos || token.empty()) {
      error = "expected token:service[,service...] in '" + std::string(entry) + "'";
      return;
    }
    std::set<std::string> services;
    split(entry.substr(colon + 1), ',', [&](std::string_view s) { services.emplace(s); });
    if (services.empty()) {
      error = "a token without services in '" + std::string(entry) + "'";
      return;
    }
    if (!t.services_.emplace(std::string(token), std::move(services)).second)
      error = "a token listed twice";
  });
  if (!error.empty()) return std::nullopt;
  return t;
}

std::optional<reply> producer_tokens::refuse(const request_header& h) const {
  if (empty()) return std::nullopt;
  auto it = services_.find(bearer_token(h));
  if (it == services_.end()) {
    auto r =
        json_error(401, "unauthorized",
                   "send Authorization: Bearer <token> with a token of TRACEHUB_INGEST_TOKENS");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }
  std::string_view service = h[service_header];
  if (service.empty())
    return json_error(400, "service_header_required",
                      "name the batch's service in the X-TraceHub-Service header");
  if (it->second.count("*") == 0 && it->second.count(std::string(service)) == 0)
    return json_error(403, "forbidden",
                      "this token may not write service '" + std::string(service) + "'");
  return std::nullopt;
}

route_guard ingest_guard(std::shared_ptr<const producer_tokens> tokens) {
  return [tokens = std::move(tokens)](const request_header& h) -> std::optional<reply> {
    if (auto r = refuse_non_json(h)) return r;
    return tokens->refuse(h);
  };
}

}  // namespace tracehub::http
