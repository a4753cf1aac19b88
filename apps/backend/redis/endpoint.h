// redis/endpoint.h — where a Redis server is, parsed from a URL.
#pragma once

#include <string>
#include <string_view>

#include "backend/base/result.h"

namespace tracehub::redis {

struct endpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  int db = 0;
  std::string user;      // empty: AUTH <password> as the default user; else AUTH <user> <password>
  std::string password;  // empty: no AUTH
};

// Parses redis://[[user]:password@]host[:port][/db]. host may be a bracketed IPv6 literal; user
// and password may be percent-encoded. Returns errc::protocol on anything else.
result<endpoint> parse_url(std::string_view url);

}  // namespace tracehub::redis
