// query/logs_handler.h — GET /logs: stored logs, newest first by ingest time, filtered,
// cursor-paged.
//
// Filters (all optional): service, level (comma list), q (case-insensitive substring of the
// message), from/to (ts range: RFC 3339 or epoch ms; from inclusive, to exclusive),
// fromSeq/toSeq (inclusive), cursor (nextCursor of the previous page), limit (1..1000,
// default 100). Answers {"items":[LogEntry...],"nextCursor":"<µs>_<id>"-or-null,"retention":
// {"period":"7d" or "off","keptSince":time-or-null}} — items newest first by (ingestedAt, id);
// keptSince: every row ingested before it has been removed by retention (null while nothing
// has been); 400 for a bad parameter; 503 timeout past the statement timeout. Runs its query
// through `database`.
#pragma once

#include "backend/http/reply.h"
#include "backend/query/database.h"
#include "backend/retention/policy.h"

namespace tracehub::query {

class logs_handler {
 public:
  // `retention`: this process's --retention, reported as is.
  logs_handler(database db, retention::seconds retention)
      : db_(std::move(db)), period_(retention::format_period(retention)) {}
  boost::asio::awaitable<http::reply> operator()(http::request& req);

 private:
  database db_;
  std::string period_;
};

}  // namespace tracehub::query
