// testing/redis_db.h — an emptied Redis database (by index) for one test, flushed again
// afterwards. The server comes from TRACEHUB_TEST_REDIS_URL. For GoogleTest binaries only.
#pragma once

#include <string>

#include "backend/redis/sync_connection.h"

namespace tracehub::testing {

class redis_db {
 public:
  // Fails the current test and throws when TRACEHUB_TEST_REDIS_URL is unset or unreachable.
  explicit redis_db(int index = 9);
  ~redis_db();
  redis_db(const redis_db&) = delete;
  redis_db& operator=(const redis_db&) = delete;

  const std::string& url() const { return url_; }  // redis://host:port/index
  redis::sync_connection connect() const;
  // Convenience for assertions: the integer reply of a command (e.g. XLEN), -1 on failure.
  long long integer(std::initializer_list<std::string_view> argv) const;

 private:
  std::string url_;
};

}  // namespace tracehub::testing
