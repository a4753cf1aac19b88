// query/logs_handler.h — GET /logs: stored logs, newest first, filtered, cursor-paged.
//
// Filters (all optional): service, level (comma list), q (case-insensitive substring of the
// message), from/to (ts range: RFC 3339 or epoch ms; from inclusive, to exclusive),
// fromSeq/toSeq (inclusive), cursor (nextCursor of the previous page), limit (1..1000,
// default 100). Answers {"items":[LogEntry...],"nextCursor":id-or-null}; 400 for a bad
// parameter; 503 timeout past the statement timeout. Runs its query through `database`.
#pragma once

#include "backend/http/reply.h"
#include "backend/query/database.h"

namespace tracehub::query {

class logs_handler {
 public:
  explicit logs_handler(database db) : db_(std::move(db)) {}
  boost::asio::awaitable<http::reply> operator()(http::request& req);

 private:
  database db_;
};

}  // namespace tracehub::query
