// pg/error_map.h — internal to pg/: the one place where libpq failures (connection status,
// result status, SQLSTATE) become pg::errc. Defined in errc.cpp; only pg/*.cpp include this.
#pragma once

#include <string_view>

#include "backend/pg/errc.h"

struct pg_conn;
struct pg_result;

namespace tracehub::pg::detail {

// 23505 -> conflict; other class 23 and class 22 -> bad_data; 57014 -> timeout; class 08 and
// 57P01..57P03 (server shutting down or starting) -> io; classes 53, 58, 40, XX and 55P03
// -> transient; anything else -> server.
errc errc_for_sqlstate(std::string_view sqlstate);

// A statement failed on `c` with result `r` (nullptr when libpq returned none). A connection
// that libpq reports as bad is io whatever the SQLSTATE says.
errc errc_for_failure(const pg_conn* c, const pg_result* r);

// PQconnectdb* left `c` (may be nullptr: out of memory) in CONNECTION_BAD: timeout when the
// connect_timeout expired, io otherwise (refused, unknown host, auth, missing database, ...).
errc errc_for_connect_failure(const pg_conn* c);

}  // namespace tracehub::pg::detail
