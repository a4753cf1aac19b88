// pg/errc.h — the closed set of Postgres failures the rest of the code sees. libpq statuses
// (PGRES_*, CONNECTION_BAD) and SQLSTATEs are mapped here once and never appear above pg/.
#pragma once

#include <type_traits>

#include "base/result.h"

namespace tracehub::pg {

enum class errc {
  io = 1,    // cannot connect, or the connection broke (server down, restart, network)
  timeout,   // connect or statement timeout (SQLSTATE 57014 query_canceled by timeout)
  conflict,  // unique violation (23505): the row is already there
  bad_data,  // data exception (class 22) or other integrity violation (class 23 but 23505)
  server,    // any other error the server reported (syntax, permission, ...)
};

const boost::system::error_category& category();
inline error_code make_error_code(errc e) {
  return {static_cast<int>(e), category()};
}

}  // namespace tracehub::pg

template <>
struct boost::system::is_error_code_enum<tracehub::pg::errc> : std::true_type {};
