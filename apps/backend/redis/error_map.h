// redis/error_map.h — internal to redis/: the one place hiredis error codes become errc.
#pragma once

#include "backend/base/result.h"

struct redisContext;

namespace tracehub::redis {

// Maps the error recorded in `c` (c->err, c->errstr) to an errc. `saved_errno` is errno as read
// right after the failing hiredis call: hiredis 0.14 reports a socket deadline as REDIS_ERR_IO
// with errno EAGAIN (read/write) or ETIMEDOUT (connect); newer versions have REDIS_ERR_TIMEOUT.
error_code map_context_error(const redisContext& c, int saved_errno);

}  // namespace tracehub::redis
