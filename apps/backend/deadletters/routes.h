// deadletters/routes.h — GET /dead-letters and POST /dead-letters/retry (docs/PROTOCOL.md,
// "Dead letters").
//
// A dead letter is a row the worker stored nowhere because Postgres refused it for a data
// reason (worker/pg_writer.h records it in `dead_letters`, in the transaction that stored the
// rest of its batch). These routes report them by seq and re-queue them once an operator has
// fixed the cause. The handlers run on the io thread and send their I/O to query::database.
#pragma once

#include <string>

#include "backend/http/reply.h"
#include "backend/query/database.h"
#include "backend/redis/endpoint.h"

namespace tracehub::deadletters {

struct routes_options {
  query::database db;
  redis::endpoint redis;
  std::int64_t max_retry_rows = 10'000;  // rows re-queued by one retry call
};

// GET /dead-letters?service=&seq=&from=&to=&cursor=&limit=&resolved= -> {items: [...],
// nextCursor, unresolved: n}: the unresolved dead letters (resolved=1: those a retry stored
// too), newest first (cursor: the previous page's nextCursor; from/to: seq bounds), each
// {id, service, seq, reason, entry (LogEntry, or null when the row is unreadable), row (the
// COPY text row), firstSeenAt, lastSeenAt, attempts, resolvedAt}. limit 1..1000, default 100.
class list_handler {
 public:
  explicit list_handler(routes_options opts) : opts_(std::move(opts)) {}
  boost::asio::awaitable<http::reply> operator()(http::request& req);

 private:
  routes_options opts_;
};

// POST /dead-letters/retry {service?, seq?} (admin: installed with http::admin_only,
// http/admin.h, which checks JSON, Host, Origin and the token first): re-queues the unresolved dead
// letters that match (at most max_retry_rows, oldest first) to queue:logs, one entry per service;
// 202 {requeued, services}. A row stored this time is marked resolved; one refused again stays,
// with attempts + 1 and the new reason. Safe to repeat: storing is idempotent.
class retry_handler {
 public:
  explicit retry_handler(routes_options opts) : opts_(std::move(opts)) {}
  boost::asio::awaitable<http::reply> operator()(http::request& req);

 private:
  routes_options opts_;
};

}  // namespace tracehub::deadletters
