#include "backend/audit/routes.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

namespace tracehub::audit {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// On the blocking executor: one round, and its answer.
asio::awaitable<http::reply> run(options opts, std::int64_t wait_ms) {
  auto r = run_round(opts, std::chrono::milliseconds(wait_ms));
  if (!r)
    co_return http::json_error(
        503, "unavailable",
        "Redis or Postgres is unreachable (" + r.error().message() + "); retry later");
  if (!r->done) {
    auto out = http::json_error(503, "audit_deferred", r->deferred);
    out.headers.emplace_back("Retry-After", "1");
    co_return out;
  }
  co_return http::reply{200, to_json(*r)};
}

}  // namespace

asio::awaitable<http::reply> audit_handler::operator()(http::request& req) {
  std::int64_t wait_ms = 10'000;
  if (!req.body().empty()) {
    auto body = http::json_object_body(req.body());
    if (auto* refused = std::get_if<http::reply>(&body)) co_return std::move(*refused);
    for (const auto& [key, value] : std::get<json::object>(body)) {
      if (key == "waitMs" && value.is_int64() && value.as_int64() >= 0 &&
          value.as_int64() <= 60'000) {
        wait_ms = value.as_int64();
      } else {
        co_return http::json_error(400, "invalid_field",
                                   "the body may hold only waitMs (0..60000)");
      }
    }
  }
  co_return co_await asio::co_spawn(*executor_, run(opts_, wait_ms), asio::use_awaitable);
}

}  // namespace tracehub::audit
