// app/health.h — GET /health (SPEC §6): pings Redis on the event loop and Postgres on the
// blocking pool; 200 {"status":"ok","postgres":"up","redis":"up"}, or 503 with the failing
// part "down".
#pragma once

#include <memory>
#include <string>

#include <boost/asio/thread_pool.hpp>

#include "http/reply.h"
#include "redis/async_connection.h"

namespace tracehub::app {

class health_handler {
 public:
  health_handler(std::shared_ptr<redis::async_connection> redis, std::string database_url,
                 boost::asio::thread_pool& blocking)
      : redis_(std::move(redis)), database_url_(std::move(database_url)), blocking_(blocking) {}

  boost::asio::awaitable<http::reply> operator()(http::request& req);

 private:
  std::shared_ptr<redis::async_connection> redis_;
  std::string database_url_;
  boost::asio::thread_pool& blocking_;
};

}  // namespace tracehub::app
