// pg/errc.h — the closed set of Postgres failures the rest of the code sees. libpq statuses
// (PGRES_*, CONNECTION_BAD) and SQLSTATEs are mapped here once and never appear above pg/.
#pragma once

#include <type_traits>

#include "backend/base/result.h"

namespace tracehub::pg {

enum class errc {
  io = 1,    // cannot connect, or the connection broke (server down, restart, network)
  timeout,   // connect or statement timeout (SQLSTATE 57014 query_canceled by timeout)
  conflict,  // unique violation (23505): the row is already there
  bad_data,  // data exception (class 22) or other integrity violation (class 23 but 23505)
  server,    // any other error the server reported (syntax, permission, ...)
  // The server is up but failed for a reason that may pass by itself: insufficient resources
  // (class 53: disk full, out of memory, too many connections), a system or I/O error (58),
  // a serialization failure or deadlock (40), a lock not available (55P03), an internal
  // error (XX). Retry; never blame the data.
  transient,
};

const boost::system::error_category& category();
inline error_code make_error_code(errc e) {
  return {static_cast<int>(e), category()};
}

// True for the failures that say nothing about the data sent: retry them later. False for
// bad_data, conflict and server, which the same statement would meet again.
inline bool is_transient(const error_code& ec) {
  return ec == make_error_code(errc::io) || ec == make_error_code(errc::timeout) ||
         ec == make_error_code(errc::transient);
}

}  // namespace tracehub::pg

template <>
struct boost::system::is_error_code_enum<tracehub::pg::errc> : std::true_type {};
