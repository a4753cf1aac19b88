#include "worker/stream.h"

#include <charconv>

#include "queue/keys.h"
#include "redis/errc.h"
#include "redis/script.h"
#include "worker/logger.h"

namespace tracehub::worker {

namespace keys = queue::keys;
namespace field = queue::keys::field;

namespace {

// KEYS: 1 queue:logs, 2 queue:retry. ARGV: 1 group, 2.. entry ids.
// Copies each entry to queue:retry with attempts+1, then XACK + XDEL it in queue:logs.
const redis::script& move_script() {
  static const redis::script s{R"lua(
for i = 2, #ARGV do
  local found = redis.call('XRANGE', KEYS[1], ARGV[i], ARGV[i])
  if #found > 0 then
    local fields, attempts = found[1][2], 0
    local copy = {}
    for k = 1, #fields, 2 do
      if fields[k] == 'attempts' then
        attempts = tonumber(fields[k + 1])
      else
        copy[#copy + 1] = fields[k]
        copy[#copy + 1] = fields[k + 1]
      end
    end
    copy[#copy + 1] = 'attempts'
    copy[#copy + 1] = tostring(attempts + 1)
    redis.call('XADD', KEYS[2], '*', unpack(copy))
  end
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[i])
  redis.call('XDEL', KEYS[1], ARGV[i])
end
return #ARGV - 1
)lua"};
  return s;
}

std::int64_t to_int(std::string_view s) {
  std::int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// One [id, [field, value, ...]] element of a stream reply. A nil field list means the entry
// was deleted while pending.
result<entry> decode_entry(redis::reply_view e) {
  if (!e.is_array() || e.size() != 2 || !e[0].is_string())
    return make_error_code(redis::errc::protocol);
  entry out;
  out.id.assign(e[0].str());
  auto fields = e[1];
  if (fields.is_nil() || !fields.is_array()) {
    out.deleted = true;
    return out;
  }
  std::string_view rows, dups;
  std::string_view gaps;
  for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
    std::string_view k = fields[i].str(), v = fields[i + 1].str();
    if (k == field::service)
      out.service.assign(v);
    else if (k == field::rows)
      rows = v;
    else if (k == field::dups)
      dups = v;
    else if (k == field::gaps)
      gaps = v;
    else if (k == field::batch_id)
      out.batch_id.assign(v);
    else if (k == field::ack_till)
      out.ack_till = to_int(v);
    else if (k == field::contiguous_till)
      out.contiguous_till = to_int(v);
    else if (k == field::missing_total)
      out.missing_total = to_int(v);
    else if (k == field::version)
      out.version = to_int(v);
    else if (k == field::acked_at_ms)
      out.acked_at_ms = to_int(v);
    else if (k == field::attempts)
      out.attempts = to_int(v);
    else if (k == field::origin)
      out.from_dead_letters = v == keys::origin_dead_letter;
  }
  std::vector<queue::seq_range> dup_ranges;
  if (!queue::parse_ranges(dups, dup_ranges) || !queue::parse_ranges(gaps, out.gaps))
    return make_error_code(redis::errc::protocol);
  out.rows = dup_ranges.empty() ? std::string(rows) : drop_rows_in(rows, dup_ranges);
  out.row_count = std::count(out.rows.begin(), out.rows.end(), '\n');
  return out;
}

}  // namespace

result<std::vector<entry>> decode_entries(redis::reply_view list) {
  std::vector<entry> out;
  if (list.is_nil()) return out;
  if (!list.is_array()) return make_error_code(redis::errc::protocol);
  out.reserve(list.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto e = decode_entry(list[i]);
    if (!e) return e.error();
    out.push_back(std::move(*e));
  }
  return out;
}

namespace {

status expect_ok(const result<redis::reply>& r, const char* what) {
  if (!r) return r.error();
  if (r->view().is_error()) {
    log().error("{}: {}", what, std::string(r->view().str()));
    return make_error_code(redis::errc::server);
  }
  return {};
}

}  // namespace

status stream::ensure_groups() {
  for (auto key : {keys::logs, keys::retry}) {
    auto r = conn_.command({"XGROUP", "CREATE", key, keys::group, "0", "MKSTREAM"});
    if (!r) return r.error();
    if (r->view().is_error() && !r->view().str().starts_with("BUSYGROUP"))
      return expect_ok(r, "XGROUP CREATE");
  }
  return {};
}

result<std::vector<entry>> stream::read(std::string_view key, std::size_t count,
                                        std::chrono::milliseconds block, bool own_pending) {
  std::string n = std::to_string(count), ms = std::to_string(block.count());
  auto r = own_pending ? conn_.command({"XREADGROUP", "GROUP", keys::group, consumer_, "COUNT", n,
                                        "STREAMS", key, "0"})
                       : conn_.command({"XREADGROUP", "GROUP", keys::group, consumer_, "COUNT", n,
                                        "BLOCK", ms, "STREAMS", key, ">"});
  if (auto s = expect_ok(r, "XREADGROUP"); !s) return s.error();
  auto v = r->view();
  if (v.is_nil()) return std::vector<entry>{};
  // [[stream, [entries...]]]
  if (!v.is_array() || v.size() != 1 || !v[0].is_array() || v[0].size() != 2)
    return make_error_code(redis::errc::protocol);
  return decode_entries(v[0][1]);
}

result<std::vector<entry>> stream::claim(std::string_view key, std::size_t count,
                                         std::chrono::milliseconds min_idle) {
  auto r = conn_.command({"XAUTOCLAIM", key, keys::group, consumer_,
                          std::to_string(min_idle.count()), "0-0", "COUNT", std::to_string(count)});
  if (auto s = expect_ok(r, "XAUTOCLAIM"); !s) return s.error();
  auto v = r->view();  // [next-id, [entries...], [deleted ids...]]
  if (!v.is_array() || v.size() < 2) return make_error_code(redis::errc::protocol);
  return decode_entries(v[1]);
}

status stream::ack(std::string_view key, const std::vector<entry>& entries) {
  std::vector<std::string> xack = {"XACK", std::string(key), std::string(keys::group)};
  std::vector<std::string> xdel = {"XDEL", std::string(key)};
  for (const auto& e : entries) {
    xack.push_back(e.id);
    xdel.push_back(e.id);
  }
  auto replies = conn_.pipeline({{"MULTI"}, std::move(xack), std::move(xdel), {"EXEC"}});
  if (!replies) return replies.error();
  return expect_ok(std::move(replies->back()), "XACK/XDEL");
}

status stream::beat(std::int64_t now_ms) {
  auto r = conn_.command({"HSET", keys::heartbeats, consumer_, std::to_string(now_ms)});
  return expect_ok(r, "HSET heartbeat");
}

status stream::move_to_retry(const std::vector<entry>& entries) {
  std::vector<std::string> args = {std::string(keys::group)};
  for (const auto& e : entries)
    args.push_back(e.id);
  auto r =
      redis::eval(conn_, move_script(), {std::string(keys::logs), std::string(keys::retry)}, args);
  return expect_ok(r, "move to queue:retry");
}

}  // namespace tracehub::worker
