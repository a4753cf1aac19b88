// query/logs_handler.h — GET /logs: stored logs, newest first, filtered, cursor-paged.
//
// Filters (all optional): service, level (comma list), q (case-insensitive substring of the
// message), from/to (ts range: RFC 3339 or epoch ms; from inclusive, to exclusive),
// fromSeq/toSeq (inclusive), cursor (nextCursor of the previous page), limit (1..1000,
// default 100). Answers {"items":[LogEntry...],"nextCursor":id-or-null}; 400 for a bad
// parameter. Runs its query on the blocking pool.
#pragma once

#include <string>

#include <boost/asio/thread_pool.hpp>

#include "http/reply.h"

namespace tracehub::query {

class logs_handler {
 public:
  logs_handler(std::string database_url, boost::asio::thread_pool& pool)
      : database_url_(std::move(database_url)), pool_(pool) {}
  boost::asio::awaitable<http::reply> operator()(http::request& req);

 private:
  std::string database_url_;
  boost::asio::thread_pool& pool_;
};

}  // namespace tracehub::query
