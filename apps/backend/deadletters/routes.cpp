#include "backend/deadletters/routes.h"

#include <charconv>
#include <map>

#include <boost/json.hpp>

#include "backend/base/clock.h"
#include "backend/base/json_parse.h"
#include "backend/deadletters/sql.h"
#include "backend/http/query.h"
#include "backend/ingest/batch_parser.h"
#include "backend/pg/pool.h"
#include "backend/queue/copy_row.h"
#include "backend/queue/entry.h"
#include "backend/queue/keys.h"
#include "backend/redis/errc.h"
#include "backend/redis/sync_connection.h"

namespace tracehub::deadletters {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

http::reply unavailable(std::string_view what) {
  return http::json_error(503, "unavailable", std::string(what) + " is unreachable; retry later");
}

std::optional<std::int64_t> to_int(std::string_view s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string unhex(std::string_view hex) {
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(nibble(hex[i]) << 4 | nibble(hex[i + 1]));
  return out;
}

struct filter {
  std::string service;                        // "" any
  std::int64_t seq = 0;                       // 0 any
  std::int64_t cursor = 0, from = 0, to = 0;  // 0 any
};

json::value epoch_ms_or_null(const pg::rows& r, std::size_t i, std::size_t col) {
  if (r.is_null(i, col)) return nullptr;
  return r.get_int(i, col);
}

asio::awaitable<http::reply> list(std::shared_ptr<pg::pool> pool, filter f, std::int64_t limit,
                                  bool resolved) {
  auto c = pool->acquire();
  if (!c) co_return query::query_failed(c.error(), pool->options());
  std::string seq = std::to_string(f.seq), lim = std::to_string(limit);
  std::string cursor = std::to_string(f.cursor), from = std::to_string(f.from),
              to = std::to_string(f.to);
  pg::param params[] = {f.service, seq, lim, resolved ? "1" : "0", cursor, from, to};
  auto r = (*c)->query(sql::list, params);
  if (!r) co_return query::query_failed(r.error(), pool->options());
  auto total = (*c)->query(sql::count_unresolved);
  if (!total) co_return query::query_failed(total.error(), pool->options());
  json::array items;
  for (std::size_t i = 0; i < r->size(); ++i) {
    std::string row = unhex(r->get(i, 3));
    json::value entry = nullptr;
    if (auto text = queue::log_entry_json(row)) {
      boost::system::error_code ec;
      entry = parse_json(*text, ec);
      if (ec) entry = nullptr;
    }
    items.push_back(json::object{{"id", r->get_int(i, 0)},
                                 {"service", r->get(i, 1)},
                                 {"seq", r->get_int(i, 2)},
                                 {"reason", r->get(i, 4)},
                                 {"entry", std::move(entry)},
                                 {"row", row},
                                 {"firstSeenAt", r->get_int(i, 5)},
                                 {"lastSeenAt", r->get_int(i, 6)},
                                 {"attempts", r->get_int(i, 7)},
                                 {"resolvedAt", epoch_ms_or_null(*r, i, 8)}});
  }
  json::value next = nullptr;
  if (static_cast<std::int64_t>(r->size()) == limit) next = r->get_int(r->size() - 1, 0);
  json::object out{
      {"items", std::move(items)}, {"nextCursor", next}, {"unresolved", total->get_int(0, 0)}};
  co_return http::reply{200, json::serialize(out)};
}

// One queue:logs entry per service, carrying the rows as they were received (fields:
// queue/keys.h). No ACK state and no gaps: the seqs were acknowledged long ago.
status requeue(redis::sync_connection& conn, const std::string& service, const std::string& rows,
               std::int64_t now_ms) {
  std::vector<std::string_view> argv{"XADD", queue::keys::logs, "*"};
  auto fields = queue::dead_letter_entry_fields(service, rows, now_ms);
  argv.insert(argv.end(), fields.begin(), fields.end());
  return redis::expect_ok(conn.command(argv), "XADD dead letters");
}

asio::awaitable<http::reply> retry(routes_options opts, filter f) {
  auto c = opts.db.pool->acquire();
  if (!c) co_return query::query_failed(c.error(), opts.db.pool->options());
  std::string seq = std::to_string(f.seq), lim = std::to_string(opts.max_retry_rows);
  pg::param params[] = {f.service, seq, lim};
  auto r = (*c)->query(sql::to_retry, params);
  if (!r) co_return query::query_failed(r.error(), opts.db.pool->options());
  std::map<std::string, std::string> rows_by_service;
  for (std::size_t i = 0; i < r->size(); ++i) {
    auto& rows = rows_by_service[std::string(r->get(i, 0))];
    rows += unhex(r->get(i, 1));
    rows += '\n';
  }
  if (!rows_by_service.empty()) {
    auto conn = redis::sync_connection::open(opts.redis, std::chrono::seconds(5));
    if (!conn) co_return unavailable("Redis");
    auto now = now_epoch_ms();
    for (const auto& [service, rows] : rows_by_service)
      if (!requeue(*conn, service, rows, now))
        co_return http::json_error(503, "unavailable",
                                   "Redis refused the re-queued entry; retry later (what was "
                                   "re-queued already is stored at most once)");
  }
  json::object out{{"requeued", r->size()}, {"services", rows_by_service.size()}};
  co_return http::reply{202, json::serialize(out)};
}

}  // namespace

asio::awaitable<http::reply> list_handler::operator()(http::request& req) {
  filter f;
  f.service = http::query_param(req.target(), "service").value_or("");
  auto limit = http::query_param(req.target(), "limit");
  auto resolved = http::query_param(req.target(), "resolved").value_or("0");
  std::optional<std::int64_t> lim = limit ? to_int(*limit) : 100;
  for (auto [name, slot] : {std::pair{"seq", &f.seq}, std::pair{"cursor", &f.cursor},
                            std::pair{"from", &f.from}, std::pair{"to", &f.to}}) {
    auto text = http::query_param(req.target(), name);
    if (!text) continue;
    auto v = to_int(*text);
    if (!v || *v < 1)
      co_return http::json_error(400, "invalid_field",
                                 std::string(name) + " must be a positive integer");
    *slot = *v;
  }
  if (!lim || *lim < 1 || *lim > 1000)
    co_return http::json_error(400, "invalid_field", "limit must be 1..1000");
  if (resolved != "0" && resolved != "1")
    co_return http::json_error(400, "invalid_field", "resolved must be 0 or 1");
  co_return co_await query::run(opts_.db, list(opts_.db.pool, f, *lim, resolved == "1"));
}

asio::awaitable<http::reply> retry_handler::operator()(http::request& req) {
  filter f;
  if (!req.body().empty()) {
    auto body = http::json_object_body(req.body());
    if (auto* refused = std::get_if<http::reply>(&body)) co_return std::move(*refused);
    for (const auto& [key, value] : std::get<json::object>(body)) {
      if (key == "service" && value.is_string() && ingest::valid_service(value.as_string())) {
        f.service = value.as_string();
      } else if (key == "seq" && value.is_int64() && value.as_int64() >= 1) {
        f.seq = value.as_int64();
      } else {
        co_return http::json_error(
            400, "invalid_field",
            "the body may hold only service (a service name) and seq (a positive integer)");
      }
    }
  }
  co_return co_await query::run(opts_.db, retry(opts_, f));
}

}  // namespace tracehub::deadletters
