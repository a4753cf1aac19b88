#include "backend/http/admin.h"

#include <algorithm>
#include <cctype>

#include <boost/asio/ip/address.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/json.hpp>

#include "backend/http/guard.h"

namespace tracehub::http {

namespace bhttp = boost::beast::http;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<boost::asio::ip::address> address_of(std::string_view text) {
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  return a;
}

bool is_loopback(std::string_view text) {
  auto a = address_of(text);
  return a && a->is_loopback();
}

// The host of an authority ("name:port", "[v6]:port", a bare IPv6 address), lower-case,
// without port or brackets.
std::string host_name(std::string_view authority) {
  if (authority.starts_with('[')) return lower(authority.substr(1, authority.find(']') - 1));
  if (std::count(authority.begin(), authority.end(), ':') > 1) return lower(authority);
  return lower(authority.substr(0, authority.find(':')));
}

// scheme://authority of an absolute URL (a Referer), lower-case; "" when it is not one.
std::string origin_of(std::string_view url) {
  auto sep = url.find("://");
  if (sep == std::string_view::npos) return {};
  auto end = url.find_first_of("/?#", sep + 3);
  return lower(url.substr(0, end));
}

// Compares without an early exit, so timing does not reveal the token's prefix.
bool same(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// Headers a reverse proxy adds: such a request only looks like it comes from loopback.
bool proxied(const request_header& h) {
  return h.count(bhttp::field::forwarded) > 0 || h.count("X-Forwarded-For") > 0 ||
         h.count("X-Real-IP") > 0 || h.count(bhttp::field::via) > 0;
}

}  // namespace

admin_policy::admin_policy(admin_options o) : opts_(std::move(o)) {
  std::vector<std::string> hosts;
  for (const auto& h : opts_.hosts) {
    auto name = host_name(h);
    auto a = address_of(name);
    if (!name.empty() && !(a && a->is_unspecified())) hosts.push_back(std::move(name));
  }
  opts_.hosts = std::move(hosts);
  for (auto& o : opts_.origins) {
    o = lower(o);
    while (o.ends_with('/'))
      o.pop_back();
  }
}

std::optional<reply> admin_policy::refuse_foreign_host(const request_header& h) const {
  auto name = host_name(h[bhttp::field::host]);
  bool served = name == "localhost" || is_loopback(name) ||
                (!name.empty() && name == lower(h[local_header])) ||
                std::find(opts_.hosts.begin(), opts_.hosts.end(), name) != opts_.hosts.end();
  if (served) return std::nullopt;
  return json_error(421, "misdirected_request",
                    "Host '" + std::string(h[bhttp::field::host]) +
                        "' is not a name this server answers to: add it to "
                        "TRACEHUB_PUBLIC_HOSTS");
}

std::optional<reply> admin_policy::refuse_foreign_origin(const request_header& h) const {
  std::string source;
  if (auto origin = h[bhttp::field::origin]; !origin.empty()) {
    source = lower(origin);
  } else if (auto referer = h[bhttp::field::referer]; !referer.empty()) {
    source = origin_of(referer);
  } else {
    return std::nullopt;
  }
  if (std::find(opts_.origins.begin(), opts_.origins.end(), source) != opts_.origins.end())
    return std::nullopt;
  // The dashboard's own origin: a page this server served under the Host it was asked by.
  auto sep = source.find("://");
  if (sep != std::string::npos &&
      (source.starts_with("http://") || source.starts_with("https://")) &&
      source.substr(sep + 3) == lower(h[bhttp::field::host]))
    return std::nullopt;
  return json_error(403, "forbidden_origin",
                    "requests from the page at '" + source +
                        "' may not call admin routes: add its origin to TRACEHUB_ALLOWED_ORIGINS");
}

std::optional<reply> admin_policy::refuse_non_admin(const request_header& h) const {
  if (token_required()) {
    auto presented = bearer_token(h);
    if (presented.empty()) {
      auto r =
          json_error(401, "unauthorized",
                     "send Authorization: Bearer <TRACEHUB_ADMIN_TOKEN> (the dashboard: sign in)");
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return r;
    }
    if (!token_matches(presented))
      return json_error(403, "forbidden", "the bearer token is not TRACEHUB_ADMIN_TOKEN");
    return std::nullopt;
  }
  if (proxied(h))
    return json_error(403, "forbidden",
                      "the request came through a proxy (Forwarded/X-Forwarded-For/Via): admin "
                      "routes then need TRACEHUB_ADMIN_TOKEN");
  if (!is_loopback(h[peer_header]))
    return json_error(
        403, "forbidden",
        "admin routes accept only loopback callers unless TRACEHUB_ADMIN_TOKEN is set");
  return std::nullopt;
}

bool admin_policy::token_matches(std::string_view presented) const {
  return token_required() && same(presented, opts_.token);
}

route_guard admin_only(std::shared_ptr<const admin_policy> policy) {
  return [policy = std::move(policy)](const request_header& h) -> std::optional<reply> {
    if (auto r = policy->refuse_foreign_host(h)) return r;
    if (auto r = policy->refuse_foreign_origin(h)) return r;
    if (auto r = policy->refuse_non_admin(h)) return r;
    return refuse_non_json(h);
  };
}

boost::asio::awaitable<reply> auth_status_handler::operator()(request& req) const {
  boost::json::object o;
  o["tokenRequired"] = policy_->token_required();
  o["publicRead"] = public_read_;
  o["admin"] = !policy_->refuse_non_admin(req).has_value();
  co_return reply{200, boost::json::serialize(o)};
}

std::string_view bearer_token(const request_header& h) {
  std::string_view auth = h[bhttp::field::authorization];
  constexpr std::string_view scheme = "bearer ";
  if (auth.size() <= scheme.size() || !boost::beast::iequals(auth.substr(0, scheme.size()), scheme))
    return {};
  auth.remove_prefix(scheme.size());
  while (!auth.empty() && auth.front() == ' ')
    auth.remove_prefix(1);
  while (!auth.empty() && auth.back() == ' ')
    auth.remove_suffix(1);
  return auth;
}

}  // namespace tracehub::http
