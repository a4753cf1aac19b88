#include "backend/query/database.h"

#include <chrono>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "backend/pg/errc.h"

namespace tracehub::query {

namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

namespace {

http::reply busy() {
  auto r =
      http::json_error(503, "busy", "the request waited too long for a query thread; retry later");
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

asio::awaitable<http::reply> unless_stale(clock::time_point arrived, clock::duration limit,
                                          asio::awaitable<http::reply> job) {
  if (clock::now() - arrived > limit) co_return busy();
  co_return co_await std::move(job);
}

}  // namespace

asio::awaitable<http::reply> run(const database& db, asio::awaitable<http::reply> job) {
  co_return co_await asio::co_spawn(
      *db.executor, unless_stale(clock::now(), db.pool->options().acquire_timeout, std::move(job)),
      asio::use_awaitable);
}

http::reply query_failed(const error_code& ec, const pg::pool_options& opts) {
  if (ec == pg::errc::timeout) {
    auto r = http::json_error(
        503, "timeout",
        "the query ran past the " + std::to_string(opts.statement_timeout.count()) +
            " ms statement timeout, or every connection stayed busy, or the query routes used "
            "up their share of time (--query-share); narrow it (service, time or seq range) or "
            "retry later");
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  return http::json_error(503, "unavailable", "Postgres is unreachable or failed; retry later");
}

}  // namespace tracehub::query
