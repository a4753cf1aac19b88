#include "backend/app/health.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace tracehub::app {

namespace asio = boost::asio;

namespace {

// Runs on the health executor: libpq blocks.
asio::awaitable<bool> ping_postgres(std::shared_ptr<pg::pool> pg) {
  auto c = pg->acquire();
  co_return c && (*c)->query("SELECT 1").has_value();
}

http::reply health_reply(bool pg_up, bool redis_up) {
  bool ok = pg_up && redis_up;
  std::string body = std::string("{\"status\":\"") + (ok ? "ok" : "degraded") +
                     "\",\"postgres\":\"" + (pg_up ? "up" : "down") + "\",\"redis\":\"" +
                     (redis_up ? "up" : "down") + "\"}";
  return http::reply{ok ? 200u : 503u, std::move(body)};
}

}  // namespace

boost::asio::awaitable<http::reply> health_handler::operator()(http::request&) {
  std::vector<std::string> ping = {"PING"};  // not inline: g++ 12 miscompiles literals in co_await
  auto pong = co_await redis_->command(std::move(ping));
  bool redis_up = pong && !pong->view().is_error();
  bool pg_up = co_await asio::co_spawn(executor_, ping_postgres(pg_), asio::use_awaitable);
  co_return health_reply(pg_up, redis_up);
}

}  // namespace tracehub::app
