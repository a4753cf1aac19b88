#include "backend/replay/routes.h"

#include <charconv>

#include <boost/json.hpp>

#include "backend/http/query.h"
#include "backend/ingest/batch_parser.h"
#include "backend/pg/pool.h"
#include "backend/replay/sql.h"

namespace tracehub::replay {

namespace asio = boost::asio;

namespace {

// Runs one statement that returns a single JSON (or scalar) cell, on the query executor.
asio::awaitable<http::reply> json_query(std::shared_ptr<pg::pool> pool, std::string_view sql,
                                        std::vector<std::string> args, unsigned ok_status) {
  auto c = pool->acquire();
  if (!c) co_return query::query_failed(c.error(), pool->options());
  std::vector<pg::param> params(args.begin(), args.end());
  auto r = (*c)->query(sql, params);
  if (!r) co_return query::query_failed(r.error(), pool->options());
  if (r->size() != 1)
    co_return http::json_error(503, "unavailable", "the query failed; retry later");
  co_return http::reply{ok_status, std::string(r->get(0, 0))};
}

std::optional<std::int64_t> to_int(const std::optional<std::string>& s) {
  if (!s || s->empty()) return std::nullopt;
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (ec != std::errc{} || p != s->data() + s->size()) return std::nullopt;
  return v;
}

// The limit query parameter: 1..1000, default 100; nullopt when malformed.
std::optional<std::int64_t> limit_param(std::string_view target) {
  auto raw = http::query_param(target, "limit");
  if (!raw) return 100;
  auto v = to_int(raw);
  if (!v || *v < 1 || *v > 1000) return std::nullopt;
  return v;
}

struct manual_request {
  std::string service;
  std::int64_t from = 0, to = 0;
};

// Parses and checks {service, from, to}; returns the 4xx reply on bad input.
std::variant<manual_request, http::reply> parse_manual(std::string_view body,
                                                       std::int64_t max_range) {
  auto parsed = http::json_object_body(body);
  if (auto* refused = std::get_if<http::reply>(&parsed)) return std::move(*refused);
  const auto& o = std::get<boost::json::object>(parsed);
  manual_request m;
  auto* service = o.if_contains("service");
  if (!service || !service->is_string() || !ingest::valid_service(service->as_string()))
    return http::json_error(400, "invalid_field",
                            "service must be 1-64 characters of a-z, 0-9, '.', '_', '-'");
  m.service = service->as_string();
  auto* from = o.if_contains("from");
  auto* to = o.if_contains("to");
  if (!from || !to || !from->is_int64() || !to->is_int64())
    return http::json_error(400, "invalid_field", "from and to must be integers");
  m.from = from->as_int64();
  m.to = to->as_int64();
  constexpr std::int64_t max_seq = (std::int64_t{1} << 53) - 1;
  if (m.from < 1 || m.to < m.from || m.to > max_seq)
    return http::json_error(400, "invalid_field", "need 1 <= from <= to <= 2^53-1");
  if (m.to - m.from + 1 > max_range)
    return http::json_error(
        400, "invalid_field",
        "a manual replay covers at most " + std::to_string(max_range) + " seqs");
  return m;
}

}  // namespace

asio::awaitable<http::reply> manual_replay_handler::operator()(http::request& req) {
  auto parsed = parse_manual(req.body(), opts_.max_range);
  if (auto* r = std::get_if<http::reply>(&parsed)) co_return std::move(*r);
  auto& m = std::get<manual_request>(parsed);
  std::vector<std::string> args = {m.service, std::to_string(m.from), std::to_string(m.to)};
  auto id = co_await query::run(
      opts_.db, json_query(opts_.db.pool, sql::insert_manual, std::move(args), 202));
  if (id.status != 202) co_return id;
  co_return http::reply{202, "{\"id\":" + id.body + ",\"status\":\"pending\",\"service\":\"" +
                                 m.service + "\",\"from\":" + std::to_string(m.from) +
                                 ",\"to\":" + std::to_string(m.to) + "}"};
}

asio::awaitable<http::reply> list_replays_handler::operator()(http::request& req) {
  auto status = http::query_param(req.target(), "status").value_or("");
  auto service = http::query_param(req.target(), "service").value_or("");
  auto limit = limit_param(req.target());
  if (!limit) co_return http::json_error(400, "invalid_field", "limit must be 1..1000");
  if (!status.empty() && status != "pending" && status != "completed" && status != "failed")
    co_return http::json_error(400, "invalid_field", "status must be pending, completed or failed");
  std::vector<std::string> args = {status, service, std::to_string(*limit)};
  co_return co_await query::run(db_, json_query(db_.pool, sql::list, std::move(args), 200));
}

asio::awaitable<http::reply> list_lost_handler::operator()(http::request& req) {
  auto service = http::query_param(req.target(), "service").value_or("");
  auto number = [&](const char* name) -> std::optional<std::int64_t> {
    auto text = http::query_param(req.target(), name);
    if (!text) return 0;
    auto v = to_int(text);
    if (!v || *v < 0) return std::nullopt;
    return v;
  };
  auto seq = number("seq"), from = number("from"), to = number("to"), cursor = number("cursor");
  auto limit = limit_param(req.target());
  if (!seq || !from || !to || !cursor || !limit)
    co_return http::json_error(400, "invalid_field",
                               "seq, from, to and cursor must be non-negative integers, limit "
                               "1..1000");
  std::vector<std::string> args = {service,
                                   std::to_string(*seq),
                                   std::to_string(*limit),
                                   std::to_string(*cursor),
                                   std::to_string(*from),
                                   std::to_string(*to)};
  co_return co_await query::run(db_, json_query(db_.pool, sql::list_lost, std::move(args), 200));
}

asio::awaitable<http::reply> lost_summary_handler::operator()(http::request& req) {
  std::vector<std::string> args = {http::query_param(req.target(), "service").value_or("")};
  co_return co_await query::run(db_, json_query(db_.pool, sql::lost_summary, std::move(args), 200));
}

}  // namespace tracehub::replay
