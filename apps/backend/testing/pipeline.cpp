#include "backend/testing/pipeline.h"

#include <algorithm>
#include <thread>

namespace tracehub::testing {

std::string batch_body(const std::string& service, const std::vector<std::int64_t>& seqs,
                       const std::vector<std::int64_t>& ts_ms,
                       const std::vector<std::int64_t>& poison) {
  std::string b = R"({"service":")" + service + R"(","batch":[)";
  for (std::size_t i = 0; i < seqs.size(); ++i) {
    if (i) b += ',';
    std::string s = std::to_string(seqs[i]);
    const bool refused = std::find(poison.begin(), poison.end(), seqs[i]) != poison.end();
    b +=
        R"({"seq":)" + s + R"(,"level":"info","message":")" + (refused ? "poison" : "m-" + s) + '"';
    if (i < ts_ms.size()) b += R"(,"ts":)" + std::to_string(ts_ms[i]);
    b += '}';
  }
  return b + "]}";
}

std::vector<std::int64_t> seq_span(std::int64_t lo, std::int64_t hi) {
  std::vector<std::int64_t> v;
  for (auto s = lo; s <= hi; ++s)
    v.push_back(s);
  return v;
}

std::vector<std::int64_t> ack::missing() const {
  std::vector<std::int64_t> out;
  if (auto* m = body.if_contains("missing"))
    for (const auto& v : m->as_array())
      out.push_back(v.to_number<std::int64_t>());
  return out;
}

std::int64_t ack::num(const char* key) const {
  auto* v = body.if_contains(key);
  return v ? v->to_number<std::int64_t>() : -1;
}

ack post_raw(http_client& c, std::string body, std::string_view content_type) {
  auto r = c.post("/ingest", std::move(body), content_type);
  ack a;
  a.status = r.status;
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  if (!ec && v.is_object()) a.body = v.as_object();
  return a;
}

ack post_batch(http_client& c, const std::string& service, const std::vector<std::int64_t>& seqs) {
  return post_raw(c, batch_body(service, seqs));
}

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

row_counts count_rows(const std::string& database_url, const std::string& service) {
  row_counts out;
  out.rows = -1;
  auto c = pg::connection::open(database_url, std::chrono::seconds(2));
  if (!c) return out;
  pg::param p[] = {service};
  auto r = c->query(
      "SELECT count(*), count(DISTINCT (service, seq)), coalesce(min(seq), 0), "
      "coalesce(max(seq), 0) FROM logs WHERE $1 = '' OR service = $1",
      p);
  if (!r) return out;
  out.rows = r->get_int(0, 0);
  out.distinct_seqs = r->get_int(0, 1);
  out.min_seq = r->get_int(0, 2);
  out.max_seq = r->get_int(0, 3);
  return out;
}

}  // namespace tracehub::testing
