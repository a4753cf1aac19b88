#include "backend/query/logs_handler.h"

#include <variant>

#include "backend/query/logs_params.h"
#include "backend/query/page_plan.h"

namespace tracehub::query {

namespace asio = boost::asio;

namespace {

asio::awaitable<http::reply> run_page(std::shared_ptr<pg::pool> pool, logs_params p,
                                      std::string period) {
  auto c = pool->acquire();
  if (!c) co_return query_failed(c.error(), pool->options());
  std::vector<pg::param> args;
  for (const auto& v : p)
    args.push_back(v ? pg::param(*v) : pg::param());
  auto statement = page_statement(**c, p);
  if (!statement) co_return query_failed(statement.error(), pool->options());
  auto r = (*c)->query(*statement, args);
  if (!r) co_return query_failed(r.error(), pool->options());
  if (r->size() != 1)
    co_return http::json_error(503, "unavailable", "the query failed; retry later");
  bool full = std::to_string(r->get_int(0, 1)) == *p[9];
  std::string kept_since = r->is_null(0, 3) ? "null" : std::string(r->get(0, 3));
  std::string body =
      "{\"items\":" + std::string(r->get(0, 0)) +
      ",\"nextCursor\":" + (full ? "\"" + std::string(r->get(0, 2)) + "\"" : std::string("null")) +
      ",\"retention\":{\"period\":\"" + period + "\",\"keptSince\":" + kept_since + "}}";
  co_return http::reply{200, std::move(body)};
}

}  // namespace

asio::awaitable<http::reply> logs_handler::operator()(http::request& req) {
  auto parsed = read_logs_params(req.target());
  if (auto* bad = std::get_if<bad_param>(&parsed))
    co_return http::json_error(400, "invalid_field", bad->detail);
  co_return co_await run(db_, run_page(db_.pool, std::get<logs_params>(parsed), period_));
}

}  // namespace tracehub::query
