#include "backend/replay/buffer_reader.h"

#include <charconv>

#include "backend/base/clock.h"
#include "backend/ingest/ack_script.h"
#include "backend/keyspace/keys.h"
#include "backend/keyspace/lua.h"
#include "backend/keyspace/range.h"
#include "backend/redis/errc.h"
#include "backend/redis/script.h"
#include "backend/replay/logger.h"

namespace tracehub::replay {

namespace {

// KEYS: 1 gaps:{svc}, 2 ack:{svc}, 3 lost:{svc}. ARGV: lo,hi pairs.
// Removes from the gaps what lies in the given ranges, records it in lost:{svc}, lowers the
// missing count, and returns the removed ranges (flat lo,hi).
const redis::script& lost_script() {
  static const redis::script s{keyspace::with_lua_prelude(R"lua(
local removed, total = {}, 0
for i = 1, #ARGV, 2 do
  local lo, hi = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
  local overlapping = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. fmt(lo), fmt(hi))
  local before = redis.call('ZREVRANGEBYSCORE', KEYS[1], fmt(lo), '-inf', 'LIMIT', 0, 1)
  if #before > 0 then table.insert(overlapping, 1, before[1]) end
  for _, m in ipairs(overlapping) do
    local glo, ghi = parse_range(m)
    if ghi >= lo then
      local a, b = math.max(glo, lo), math.min(ghi, hi)
      redis.call('ZREM', KEYS[1], m)
      if glo < a then redis.call('ZADD', KEYS[1], fmt(glo), range_member(glo, a - 1)) end
      if ghi > b then redis.call('ZADD', KEYS[1], fmt(b + 1), range_member(b + 1, ghi)) end
      redis.call('ZADD', KEYS[3], fmt(a), range_member(a, b))
      removed[#removed + 1] = a
      removed[#removed + 1] = b
      total = total + (b - a + 1)
    end
  end
end
if total > 0 then redis.call('HINCRBY', KEYS[2], ack_field.missing, -total) end
return removed
)lua")};
  return s;
}

}  // namespace

result<std::vector<queue::seq_range>> buffer_reader::still_missing(const std::string& service,
                                                                   std::int64_t lo,
                                                                   std::int64_t hi) {
  std::string gaps = keyspace::gaps(service);
  std::string l = std::to_string(lo), h = std::to_string(hi);
  auto replies = conn_.pipeline({{"ZREVRANGEBYSCORE", gaps, l, "-inf", "LIMIT", "0", "1"},
                                 {"ZRANGEBYSCORE", gaps, "(" + l, h}});
  if (!replies) return replies.error();
  std::vector<queue::seq_range> out;
  for (const auto& r : *replies) {
    auto v = r.view();
    if (!v.is_array()) return make_error_code(redis::errc::protocol);
    for (std::size_t i = 0; i < v.size(); ++i) {
      queue::seq_range g{};
      if (!keyspace::parse_range(v[i].str(), g.lo, g.hi))
        return make_error_code(redis::errc::protocol);
      if (g.hi < lo || g.lo > hi) continue;
      out.push_back({std::max(g.lo, lo), std::min(g.hi, hi)});
    }
  }
  return out;
}

result<std::vector<std::string>> buffer_reader::read(const std::string& service,
                                                     const std::vector<queue::seq_range>& ranges,
                                                     std::size_t cap) {
  std::string buffer = keyspace::buffer(service);
  std::vector<std::vector<std::string>> commands;
  for (const auto& r : ranges)
    commands.push_back({"ZRANGEBYSCORE", buffer, std::to_string(r.lo), std::to_string(r.hi),
                        "LIMIT", "0", std::to_string(cap)});
  std::vector<std::string> out;
  if (commands.empty()) return out;
  auto replies = conn_.pipeline(commands);
  if (!replies) return replies.error();
  for (const auto& r : *replies) {
    auto v = r.view();
    if (!v.is_array()) return make_error_code(redis::errc::protocol);
    for (std::size_t i = 0; i < v.size() && out.size() < cap; ++i)
      out.emplace_back(v[i].str());
  }
  return out;
}

result<accept_outcome> buffer_reader::accept(const std::string& service,
                                             const std::vector<std::string>& entries) {
  accept_outcome out;
  if (entries.empty()) return out;
  std::string body = "{\"service\":\"" + service + "\",\"batch\":[";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i) body += ',';
    body += entries[i];
  }
  body += "]}";
  const std::int64_t now_ms = now_epoch_ms();
  auto parsed = parser_.parse(body, now_ms);
  if (auto* rej = std::get_if<ingest::rejection>(&parsed)) {
    // The buffer holds entries ingest would refuse: the producer wrote something invalid.
    // They can never be recovered; the request will fail and report them lost.
    log().error("buffer:{{{}}} holds an invalid entry ({}: {})", service, rej->code, rej->detail);
    return out;
  }
  auto& batch = std::get<ingest::parsed_batch>(parsed);
  const auto& l = parser_.limits_in_force();
  auto r = redis::eval(conn_, ingest::ack_script(), ingest::ack_keys(service),
                       ingest::ack_args(batch, l.max_gap, budget_, 0, now_ms));
  if (!r) return r.error();
  auto decoded = ingest::decode_ack(r->view());
  if (!decoded) return decoded.error();
  if (std::holds_alternative<ingest::queue_full>(*decoded)) {
    out.queue_full = true;
  } else if (auto* a = std::get_if<ingest::ack_outcome>(&*decoded)) {
    out.accepted = a->accepted;
  }
  // gap_too_large cannot happen: replayed seqs lie at or below ackTill.
  return out;
}

result<std::vector<queue::seq_range>> buffer_reader::mark_lost(
    const std::string& service, const std::vector<queue::seq_range>& ranges) {
  std::vector<std::string> args;
  for (const auto& r : ranges) {
    args.push_back(std::to_string(r.lo));
    args.push_back(std::to_string(r.hi));
  }
  auto r =
      redis::eval(conn_, lost_script(),
                  {keyspace::gaps(service), keyspace::ack(service), keyspace::lost(service)}, args);
  if (auto s = redis::expect_ok(r, "mark lost"); !s) return s.error();
  auto v = r->view();
  std::vector<queue::seq_range> out;
  for (std::size_t i = 0; i + 1 < v.size(); i += 2)
    out.push_back({v[i].integer(), v[i + 1].integer()});
  return out;
}

}  // namespace tracehub::replay
