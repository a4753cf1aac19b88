// query/database.h — how the API's query routes reach Postgres (docs/PROTOCOL.md lists them).
//
// One pool of connections with a statement timeout (pg/pool.h) and one executor whose threads
// run the routes' blocking Postgres work, shared by every query route, so a burst of queries
// never opens more than the pool's connections nor runs past the timeout; /health has its own
// (app/health.h), so it never waits behind them. Copyable handle; the pool and the executor
// outlive every route (app/ owns them).
#pragma once

#include <memory>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include "backend/base/result.h"
#include "backend/http/reply.h"
#include "backend/pg/pool.h"

namespace tracehub::query {

struct database {
  std::shared_ptr<pg::pool> pool;
  boost::asio::thread_pool* executor = nullptr;
};

// Runs a query route's blocking Postgres work on the executor. 503 `busy` with Retry-After, and
// Postgres untouched, when the request waited past the pool's acquire_timeout for a thread: a
// reader waits a bounded time, however many wait before it. (How many wait is bounded by the
// HTTP server's connections: one request at a time per connection.)
boost::asio::awaitable<http::reply> run(const database& db,
                                        boost::asio::awaitable<http::reply> job);

// The 503 for a failed query: `timeout` (with the statement timeout in force) when Postgres
// cancelled it or no connection came free in time, `unavailable` otherwise.
http::reply query_failed(const error_code& ec, const pg::pool_options& opts);

}  // namespace tracehub::query
