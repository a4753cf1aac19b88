// redis/script.h — a Lua script run by SHA with a fallback to its source: EVALSHA first, and
// on NOSCRIPT (fresh or restarted server) EVAL, which also caches it again.
#pragma once

#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "backend/base/result.h"
#include "backend/redis/async_connection.h"
#include "backend/redis/sync_connection.h"

namespace tracehub::redis {

class script {
 public:
  explicit script(std::string source);  // computes the SHA1 once
  const std::string& source() const { return source_; }
  const std::string& sha1() const { return sha1_; }

 private:
  std::string source_;
  std::string sha1_;
};

// argv is built as EVALSHA sha numkeys keys... args...; the reply may be an error reply.
boost::asio::awaitable<result<reply>> eval(async_connection& c, const script& s,
                                           const std::vector<std::string>& keys,
                                           std::vector<std::string> args);
result<reply> eval(sync_connection& c, const script& s, const std::vector<std::string>& keys,
                   const std::vector<std::string>& args);

}  // namespace tracehub::redis
