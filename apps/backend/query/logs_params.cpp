#include "backend/query/logs_params.h"

#include <charconv>
#include <cstdint>

#include "backend/http/query.h"
#include "backend/ingest/timestamp.h"
#include "backend/pg/array_literal.h"
#include "backend/query/sql.h"

namespace tracehub::query {

namespace {

std::optional<std::int64_t> to_int(std::string_view s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// An ILIKE pattern matching `q` literally anywhere in the message.
std::string contains_pattern(std::string_view q) {
  std::string p = "%";
  for (char c : q) {
    if (c == '%' || c == '_' || c == '\\') p += '\\';
    p += c;
  }
  return p + "%";
}

// "info,error" -> {info,error}; nullopt when a level is unknown.
std::optional<std::string> levels_array(std::string_view list) {
  pg::array_literal out;
  while (!list.empty()) {
    auto comma = list.find(',');
    auto level = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    if (level != "debug" && level != "info" && level != "warn" && level != "error" &&
        level != "fatal")
      return std::nullopt;
    out.add(level);
  }
  return out.str();
}

// A ts bound, RFC 3339 or epoch ms, in the stored form (ingest/timestamp.h); nullopt when
// neither or out of range.
std::optional<std::string> ts_bound(std::string_view s) {
  if (auto ms = to_int(s)) {
    if (*ms < ingest::min_epoch_ms || *ms > ingest::max_epoch_ms) return std::nullopt;
    return ingest::format_epoch_us(*ms * 1000);
  }
  auto us = ingest::parse_rfc3339_us(s);
  if (!us) return std::nullopt;
  return ingest::format_epoch_us(*us);
}

}  // namespace

// nextCursor ("<µs since the epoch>_<id>") as the cursor's ingested_at (timestamptz text) and
// id; nullopt when malformed.
std::optional<std::pair<std::string, std::string>> cursor_params(std::string_view c) {
  auto sep = c.find('_');
  if (sep == std::string_view::npos) return std::nullopt;
  auto us = to_int(c.substr(0, sep)), id = to_int(c.substr(sep + 1));
  if (!us || !id || *id < 0 || *us < ingest::min_epoch_us || *us > ingest::max_epoch_us)
    return std::nullopt;
  return std::pair{ingest::format_epoch_us(*us), std::to_string(*id)};
}

std::variant<logs_params, bad_param> read_logs_params(std::string_view target) {
  logs_params p(10);
  auto get = [&](const char* name) { return http::query_param(target, name); };
  p[0] = get("service").value_or("");
  if (auto l = get("level"); l && !l->empty()) {
    p[1] = levels_array(*l);
    if (!p[1]) return bad_param{"level must be a comma list of debug, info, warn, error, fatal"};
  }
  auto q = get("q");
  p[2] = q && !q->empty() ? contains_pattern(*q) : "";
  const char* ts_names[] = {"from", "to"};
  for (int i = 0; i < 2; ++i)
    if (auto t = get(ts_names[i]); t && !t->empty()) {
      p[3 + i] = ts_bound(*t);
      if (!p[3 + i])
        return bad_param{std::string(ts_names[i]) + " must be RFC 3339 or epoch milliseconds"};
    }
  const char* int_names[] = {"fromSeq", "toSeq"};
  for (int i = 0; i < 2; ++i)
    if (auto v = get(int_names[i]); v && !v->empty()) {
      auto n = to_int(*v);
      if (!n || *n < 0) return bad_param{std::string(int_names[i]) + " must be a whole number"};
      p[5 + i] = std::to_string(*n);
    }
  if (auto v = get("cursor"); v && !v->empty()) {
    auto c = cursor_params(*v);
    if (!c) return bad_param{"cursor must be the nextCursor of a previous page"};
    p[7] = std::move(c->first);
    p[8] = std::move(c->second);
  }
  std::int64_t limit = 100;
  if (auto v = get("limit"); v && !v->empty()) {
    auto n = to_int(*v);
    if (!n || *n < 1 || *n > 1000) return bad_param{"limit must be 1..1000"};
    limit = *n;
  }
  p[9] = std::to_string(limit);
  return p;
}

std::string_view logs_statement(const logs_params& p) {
  if (!p[0] || p[0]->empty() || !p[5] || !p[6]) return sql::logs_page;
  auto from = to_int(*p[5]), to = to_int(*p[6]);
  if (!from || !to || *to - *from >= sql::max_materialized_seqs) return sql::logs_page;
  return sql::logs_page_collected;
}

}  // namespace tracehub::query
