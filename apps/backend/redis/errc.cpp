#include "backend/redis/errc.h"

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>

#include <hiredis/hiredis.h>

#include "backend/redis/error_map.h"

namespace tracehub::redis {

namespace {

class category_impl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "redis"; }

  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::timeout:
        return "redis: no reply within the deadline";
      case errc::io:
        return "redis: socket error";
      case errc::closed:
        return "redis: connection closed";
      case errc::protocol:
        return "redis: malformed or unexpected reply";
      case errc::server:
        return "redis: server error reply";
    }
    return "redis: unknown error";
  }
};

}  // namespace

const boost::system::error_category& category() {
  static const category_impl instance;
  return instance;
}

namespace {

bool is_timeout_errno(int e) {
  return e == EAGAIN || e == EWOULDBLOCK || e == ETIMEDOUT;
}

}  // namespace

error_code map_context_error(const redisContext& c, int saved_errno) {
  switch (c.err) {
#ifdef REDIS_ERR_TIMEOUT
    case REDIS_ERR_TIMEOUT:
      return make_error_code(errc::timeout);
#endif
    case REDIS_ERR_IO:
      // errno may have been overwritten by cleanup inside hiredis; errstr was taken from it at
      // the moment of failure, so it is the fallback.
      if (is_timeout_errno(saved_errno)) return make_error_code(errc::timeout);
      if (std::string_view(c.errstr) == std::string_view(std::strerror(EAGAIN)) ||
          std::string_view(c.errstr) == std::string_view(std::strerror(ETIMEDOUT))) {
        return make_error_code(errc::timeout);
      }
      return make_error_code(errc::io);
    case REDIS_ERR_EOF:
      return make_error_code(errc::closed);
    case REDIS_ERR_PROTOCOL:
      return make_error_code(errc::protocol);
    default:  // REDIS_ERR_OTHER (e.g. name resolution), REDIS_ERR_OOM
      return make_error_code(errc::io);
  }
}

}  // namespace tracehub::redis
