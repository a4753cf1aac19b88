// redis/errc.h — the closed set of Redis failures the rest of the code sees. hiredis codes
// (REDIS_ERR_IO, REDIS_ERR_EOF, ...) are mapped here once and never appear above redis/.
#pragma once

#include <type_traits>

#include "backend/base/result.h"

namespace tracehub::redis {

enum class errc {
  timeout = 1,  // no reply within the command deadline (server stalled or unreachable)
  io,           // connect refused, reset, or any other socket error
  closed,       // connection closed (by us on stop(), or by the server)
  protocol,     // a reply we could not parse, or a reply of an unexpected type
  server,       // the server answered with an error reply (see reply::str() for its text)
};

const boost::system::error_category& category();
inline error_code make_error_code(errc e) {
  return {static_cast<int>(e), category()};
}

}  // namespace tracehub::redis

template <>
struct boost::system::is_error_code_enum<tracehub::redis::errc> : std::true_type {};
