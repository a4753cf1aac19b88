// app/health.h — GET /health: pings Redis on the event loop and Postgres through its own
// one-connection pool and thread, so it never waits behind a slow query of another route;
// 200 {"status":"ok","postgres":"up","redis":"up"}, or 503 with the failing part "down".
#pragma once

#include <memory>
#include <string>

#include <boost/asio/thread_pool.hpp>

#include "backend/http/reply.h"
#include "backend/pg/pool.h"
#include "backend/redis/async_connection.h"

namespace tracehub::app {

class health_handler {
 public:
  // `executor` runs the Postgres ping with a connection of `pg` (which nothing else uses).
  health_handler(std::shared_ptr<redis::async_connection> redis, std::shared_ptr<pg::pool> pg,
                 boost::asio::thread_pool& executor)
      : redis_(std::move(redis)), pg_(std::move(pg)), executor_(executor) {}

  boost::asio::awaitable<http::reply> operator()(http::request& req);

 private:
  std::shared_ptr<redis::async_connection> redis_;
  std::shared_ptr<pg::pool> pg_;
  boost::asio::thread_pool& executor_;
};

}  // namespace tracehub::app
