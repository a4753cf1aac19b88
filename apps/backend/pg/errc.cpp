#include "backend/pg/errc.h"

#include <string>

#include <libpq-fe.h>

#include "backend/pg/error_map.h"

namespace tracehub::pg {

namespace {

class category_impl : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "tracehub.pg"; }

  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::io:
        return "postgres connection failed or broke";
      case errc::timeout:
        return "postgres connect or statement timeout";
      case errc::conflict:
        return "postgres unique violation";
      case errc::bad_data:
        return "postgres rejected the data";
      case errc::server:
        return "postgres server error";
      case errc::transient:
        return "postgres failed for a passing reason (resources, I/O, lock or serialization)";
    }
    return "unknown postgres error";
  }
};

}  // namespace

const boost::system::error_category& category() {
  static const category_impl instance;
  return instance;
}

namespace detail {

errc errc_for_sqlstate(std::string_view sqlstate) {
  if (sqlstate == "23505") return errc::conflict;
  if (sqlstate.starts_with("22") || sqlstate.starts_with("23")) return errc::bad_data;
  if (sqlstate == "57014") return errc::timeout;
  if (sqlstate.starts_with("08")) return errc::io;
  if (sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03") return errc::io;
  if (sqlstate.starts_with("53") || sqlstate.starts_with("58") || sqlstate.starts_with("40") ||
      sqlstate.starts_with("XX") || sqlstate == "55P03")
    return errc::transient;
  return errc::server;
}

errc errc_for_failure(const pg_conn* c, const pg_result* r) {
  if (c == nullptr || PQstatus(c) == CONNECTION_BAD) return errc::io;
  // No result while the connection looks fine: libpq could not even build one (out of memory,
  // send failure not yet noticed). The session state is unknown, so treat it as broken.
  if (r == nullptr) return errc::io;
  const char* sqlstate = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  // Errors libpq generates itself carry no SQLSTATE; with a healthy connection they are misuse
  // ("another command is already in progress", ...), not I/O.
  if (sqlstate == nullptr) return errc::server;
  return errc_for_sqlstate(sqlstate);
}

errc errc_for_connect_failure(const pg_conn* c) {
  if (c == nullptr) return errc::io;
  // libpq reports an expired connect_timeout only in its message text.
  const std::string_view message = PQerrorMessage(c);
  if (message.find("timeout expired") != std::string_view::npos) return errc::timeout;
  return errc::io;
}

}  // namespace detail

}  // namespace tracehub::pg
