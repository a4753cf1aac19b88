#include "backend/redis/endpoint.h"

#include <charconv>
#include <optional>

#include "backend/base/percent.h"
#include "backend/redis/errc.h"

namespace tracehub::redis {

namespace {

constexpr std::string_view scheme = "redis://";

std::optional<int> parse_number(std::string_view s, int max) {
  int v = 0;
  if (s.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || v < 0 || v > max) return std::nullopt;
  return v;
}

// userinfo is "[user]:password" (the part before '@').
bool parse_userinfo(std::string_view userinfo, endpoint& ep) {
  auto colon = userinfo.find(':');
  if (colon == std::string_view::npos) return false;
  auto user = percent_decode(userinfo.substr(0, colon));
  auto password = percent_decode(userinfo.substr(colon + 1));
  if (!user || !password) return false;
  ep.user = std::move(*user);
  ep.password = std::move(*password);
  return true;
}

// hostport is "host[:port]" or "[v6]:port".
bool parse_hostport(std::string_view hostport, endpoint& ep) {
  std::string_view host;
  std::string_view rest;
  if (hostport.starts_with('[')) {
    auto close = hostport.find(']');
    if (close == std::string_view::npos) return false;
    host = hostport.substr(1, close - 1);
    rest = hostport.substr(close + 1);
  } else {
    auto colon = hostport.find(':');
    host = hostport.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view{} : hostport.substr(colon);
  }
  if (host.empty()) return false;
  if (!rest.empty()) {
    if (rest.front() != ':') return false;
    auto port = parse_number(rest.substr(1), 65535);
    if (!port || *port == 0) return false;
    ep.port = *port;
  }
  ep.host = std::string(host);
  return true;
}

}  // namespace

result<endpoint> parse_url(std::string_view url) {
  if (!url.starts_with(scheme)) return make_error_code(errc::protocol);
  url.remove_prefix(scheme.size());

  endpoint ep;
  auto slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view path = url.substr(slash + 1);
    if (!path.empty()) {
      auto db = parse_number(path, 1'000'000);
      if (!db) return make_error_code(errc::protocol);
      ep.db = *db;
    }
  }

  // The last '@' ends the userinfo, so an unencoded '@' in a password still parses.
  auto at = authority.rfind('@');
  if (at != std::string_view::npos) {
    if (!parse_userinfo(authority.substr(0, at), ep)) return make_error_code(errc::protocol);
    authority.remove_prefix(at + 1);
  }
  if (!parse_hostport(authority, ep)) return make_error_code(errc::protocol);
  return ep;
}

}  // namespace tracehub::redis
