// http/admin.h — who may call the admin routes (fault controls, manual replay, dead-letter
// retry) and open the Socket.IO channel; the rules are the README's "Security" section.
//
// admin_policy holds the settings and answers three questions about a request header, each
// with nullopt (fine) or the reply to send: does its Host name this server (421; DNS
// rebinding), does its Origin — or, without one, its Referer — belong to the dashboard or to
// TRACEHUB_ALLOWED_ORIGINS (403; cross-site requests), and does it carry the admin
// credential (401/403). admin_only() is the route guard doing all of them plus the JSON
// content type (guard.h). Immutable after construction: share it freely across threads.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backend/http/reply.h"

namespace tracehub::http {

struct admin_options {
  // TRACEHUB_ADMIN_TOKEN. Set: every caller, loopback included, must send
  // `Authorization: Bearer <token>`. Empty: only loopback callers whose request names no proxy
  // (Forwarded, X-Forwarded-For, X-Real-IP, Via) are admitted.
  std::string token;
  // Names the server answers to besides localhost, loopback addresses and the address a
  // connection arrived at: the bind address and TRACEHUB_PUBLIC_HOSTS (names or addresses,
  // an optional :port is ignored).
  std::vector<std::string> hosts;
  // TRACEHUB_ALLOWED_ORIGINS: origins (scheme://host[:port]) allowed besides the dashboard's
  // own, e.g. a dashboard served through a proxy under another name, or `npm run dev`.
  std::vector<std::string> origins;
};

class admin_policy {
 public:
  explicit admin_policy(admin_options o);

  // 421 {"error":"misdirected_request"} unless the Host header names this server.
  std::optional<reply> refuse_foreign_host(const request_header& h) const;
  // 403 {"error":"forbidden_origin"} when Origin (or, without it, Referer) is present and is
  // neither the request's own origin (same scheme-less host:port as Host) nor an allowed one.
  // A request with neither header (curl, producers, scripts) passes.
  std::optional<reply> refuse_foreign_origin(const request_header& h) const;
  // The credential rule of admin_options::token: 401 {"error":"unauthorized"} without a token
  // when one is required, 403 {"error":"forbidden"} for a wrong token, a proxied or a
  // non-loopback caller.
  std::optional<reply> refuse_non_admin(const request_header& h) const;

  bool token_required() const { return !opts_.token.empty(); }
  // True when `presented` is the admin token (constant-time compare); false when none is set.
  bool token_matches(std::string_view presented) const;

 private:
  admin_options opts_;
};

// The guard of every admin route: refuse_foreign_host, refuse_foreign_origin,
// refuse_non_admin, then refuse_non_json (guard.h), first refusal wins.
route_guard admin_only(std::shared_ptr<const admin_policy> policy);

// GET /auth: {"tokenRequired": bool, "publicRead": bool, "admin": bool} — whether admin calls
// need a token, whether Socket.IO serves metrics and logs without it, and whether this very
// request (its Authorization header, peer and proxy headers) passes refuse_non_admin. The
// dashboard's sign-in screen checks a token with it.
class auth_status_handler {
 public:
  auth_status_handler(std::shared_ptr<const admin_policy> policy, bool public_read)
      : policy_(std::move(policy)), public_read_(public_read) {}
  boost::asio::awaitable<reply> operator()(request& req) const;

 private:
  std::shared_ptr<const admin_policy> policy_;
  bool public_read_;
};

// The text after "Bearer " in an Authorization header; empty when it has another form.
std::string_view bearer_token(const request_header& h);

}  // namespace tracehub::http
