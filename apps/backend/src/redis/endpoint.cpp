#include "redis/endpoint.h"

#include <charconv>
#include <optional>

#include "redis/errc.h"

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

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = hex_digit(s[i + 1]);
    int lo = hex_digit(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
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
