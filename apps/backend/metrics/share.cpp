#include "backend/metrics/share.h"

#include <boost/json.hpp>

#include "backend/base/json_parse.h"

namespace tracehub::metrics {

namespace json = boost::json;

namespace {

std::int64_t num(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  if (!v) return 0;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  return 0;
}

std::string text(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

template <std::size_t N>
json::array rows_of(const std::vector<std::array<std::int64_t, N>>& v) {
  json::array a;
  for (const auto& r : v) {
    json::array x;
    for (auto n : r)
      x.emplace_back(n);
    a.push_back(std::move(x));
  }
  return a;
}

template <std::size_t N>
std::vector<std::array<std::int64_t, N>> read_rows(const json::object& o, std::string_view k) {
  std::vector<std::array<std::int64_t, N>> out;
  auto* v = o.if_contains(k);
  if (!v || !v->is_array()) return out;
  for (const auto& r : v->as_array()) {
    if (!r.is_array() || r.as_array().size() != N) continue;
    std::array<std::int64_t, N> x{};
    bool ok = true;
    for (std::size_t i = 0; i < N; ++i) {
      const auto& e = r.as_array()[i];
      if (!e.is_int64())
        ok = false;
      else
        x[i] = e.as_int64();
    }
    if (ok) out.push_back(x);
  }
  return out;
}

}  // namespace

std::string encode(const process_share& s) {
  json::array services;
  for (const auto& sv : s.rates.services)
    services.push_back(json::object{{"name", sv.name},
                                    {"logsTotal", sv.logs_total},
                                    {"errorsTotal", sv.errors_total},
                                    {"slots", rows_of(sv.slots)}});
  json::array buckets;
  for (auto b : s.rates.totals.buckets)
    buckets.emplace_back(b);
  json::array workers;
  for (const auto& w : s.workers)
    workers.push_back(json::object{{"id", w.id},
                                   {"down", w.down},
                                   {"downSince", w.down_since},
                                   {"backAt", w.back_at},
                                   {"restarts", w.restarts}});
  json::object o{{"origin", s.origin},
                 {"host", s.host},
                 {"role", s.role},
                 {"pid", s.pid},
                 {"ts", s.ts},
                 {"services", std::move(services)},
                 {"inserted", rows_of(s.rates.inserted)},
                 {"rowsTotal", s.rates.rows_total},
                 {"latency", rows_of(s.rates.latency)},
                 {"latencyBuckets", std::move(buckets)},
                 {"latencyCount", s.rates.totals.count},
                 {"latencySumS", s.rates.totals.sum_s},
                 {"batches", s.batches},
                 {"duplicates", s.duplicates},
                 {"rejected", s.rejected},
                 {"dropped", s.dropped},
                 {"unavailable", s.unavailable},
                 {"rows", s.rows},
                 {"workers", std::move(workers)}};
  return json::serialize(o);
}

std::optional<process_share> decode(std::string_view t) {
  boost::system::error_code ec;
  auto v = parse_json(t, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.as_object();
  process_share s;
  s.origin = text(o, "origin");
  if (s.origin.empty()) return std::nullopt;
  s.host = text(o, "host");
  s.role = text(o, "role");
  s.pid = num(o, "pid");
  s.ts = num(o, "ts");
  if (auto* sv = o.if_contains("services"); sv && sv->is_array()) {
    for (const auto& x : sv->as_array()) {
      if (!x.is_object()) continue;
      const auto& so = x.as_object();
      s.rates.services.push_back({text(so, "name"), num(so, "logsTotal"), num(so, "errorsTotal"),
                                  read_rows<3>(so, "slots")});
    }
  }
  s.rates.inserted = read_rows<2>(o, "inserted");
  s.rates.rows_total = num(o, "rowsTotal");
  s.rates.latency = read_rows<3>(o, "latency");
  if (auto* b = o.if_contains("latencyBuckets"); b && b->is_array()) {
    const auto& a = b->as_array();
    for (std::size_t i = 0; i < a.size() && i < s.rates.totals.buckets.size(); ++i)
      if (a[i].is_int64()) s.rates.totals.buckets[i] = a[i].as_int64();
  }
  s.rates.totals.count = num(o, "latencyCount");
  if (auto* x = o.if_contains("latencySumS"); x && x->is_number())
    s.rates.totals.sum_s = x->to_number<double>();
  s.batches = num(o, "batches");
  s.duplicates = num(o, "duplicates");
  s.rejected = num(o, "rejected");
  s.dropped = num(o, "dropped");
  s.unavailable = num(o, "unavailable");
  s.rows = num(o, "rows");
  if (auto* w = o.if_contains("workers"); w && w->is_array()) {
    for (const auto& x : w->as_array()) {
      if (!x.is_object()) continue;
      const auto& wo = x.as_object();
      worker::worker_state st;
      st.id = text(wo, "id");
      if (auto* d = wo.if_contains("down"); d && d->is_bool()) st.down = d->as_bool();
      st.down_since = num(wo, "downSince");
      st.back_at = num(wo, "backAt");
      st.restarts = static_cast<int>(num(wo, "restarts"));
      s.workers.push_back(std::move(st));
    }
  }
  return s;
}

}  // namespace tracehub::metrics
