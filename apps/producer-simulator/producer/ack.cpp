#include "producer-simulator/producer/ack.h"

#include <boost/json.hpp>

#include "backend/base/json_parse.h"
#include "producer-simulator/producer/errc.h"

namespace tracehub::producer {

namespace json = boost::json;

namespace {

bool as_int(const json::value* v, std::int64_t& out) {
  if (v == nullptr) return false;
  if (v->is_int64()) {
    out = v->as_int64();
    return true;
  }
  if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    out = static_cast<std::int64_t>(v->as_uint64());
    return true;
  }
  return false;
}

bool read_missing(const json::object& o, ack_summary& a) {
  const auto* m = o.if_contains("missing");
  if (m == nullptr) return true;  // an ACK without the list: nothing listed
  if (!m->is_array()) return false;
  a.missing.reserve(m->as_array().size());
  for (const auto& v : m->as_array()) {
    std::int64_t s = 0;
    if (!as_int(&v, s) || s < 1 || s > a.ack_till) return false;
    if (!a.missing.empty() && s <= a.missing.back()) return false;
    a.missing.push_back(s);
  }
  return true;
}

}  // namespace

result<ack_summary> parse_ack(std::string_view body) {
  boost::system::error_code ec;
  auto v = parse_json(body, ec);
  if (ec || !v.is_object()) return make_error_code(errc::bad_ack);
  const auto& o = v.as_object();
  ack_summary a;
  if (!as_int(o.if_contains("ackTill"), a.ack_till) || a.ack_till < 0)
    return make_error_code(errc::bad_ack);
  if (!read_missing(o, a)) return make_error_code(errc::bad_ack);
  a.missing_total = static_cast<std::int64_t>(a.missing.size());
  if (o.contains("missingTotal") && !as_int(o.if_contains("missingTotal"), a.missing_total))
    return make_error_code(errc::bad_ack);
  if (a.missing_total < static_cast<std::int64_t>(a.missing.size()))
    return make_error_code(errc::bad_ack);
  return a;
}

std::vector<seq_range> trimmable(const ack_summary& a) {
  std::vector<seq_range> out;
  bool truncated = a.missing_total > static_cast<std::int64_t>(a.missing.size());
  if (truncated && a.missing.empty()) return out;
  std::int64_t next = 1;  // lowest seq not yet covered
  for (auto m : a.missing) {
    if (m > next) out.push_back({next, m - 1});
    next = m + 1;
  }
  if (!truncated && a.ack_till >= next) out.push_back({next, a.ack_till});
  return out;
}

result<std::int64_t> parse_reused(std::string_view body) {
  boost::system::error_code ec;
  auto v = parse_json(body, ec);
  std::int64_t till = 0;
  if (ec || !v.is_object() || v.as_object().if_contains("error") == nullptr ||
      *v.as_object().if_contains("error") != "sequence_reused" ||
      !as_int(v.as_object().if_contains("ackTill"), till) || till < 0)
    return make_error_code(errc::bad_ack);
  return till;
}

}  // namespace tracehub::producer
