#include "backend/query/database.h"

#include "backend/pg/errc.h"

namespace tracehub::query {

http::reply query_failed(const error_code& ec, const pg::pool_options& opts) {
  if (ec == pg::errc::timeout)
    return http::json_error(503, "timeout",
                            "the query ran past the " +
                                std::to_string(opts.statement_timeout.count()) +
                                " ms statement timeout, or every connection stayed busy; narrow "
                                "it (service, time or seq range) or retry later");
  return http::json_error(503, "unavailable", "Postgres is unreachable or failed; retry later");
}

}  // namespace tracehub::query
