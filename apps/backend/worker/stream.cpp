#include "backend/worker/stream.h"

#include "backend/queue/entry.h"
#include "backend/queue/keys.h"
#include "backend/redis/errc.h"
#include "backend/redis/script.h"

namespace tracehub::worker {

namespace keys = queue::keys;

namespace {

// KEYS: 1 queue:logs, 2 queue:retry. ARGV: 1 group, 2.. entry ids.
// Copies each entry to queue:retry with attempts+1, then XACK + XDEL it in queue:logs.
const redis::script& move_script() {
  static const redis::script s{queue::with_entry_fields(R"lua(
for i = 2, #ARGV do
  local found = redis.call('XRANGE', KEYS[1], ARGV[i], ARGV[i])
  if #found > 0 then
    local fields, attempts = found[1][2], 0
    local copy = {}
    for k = 1, #fields, 2 do
      if fields[k] == entry_field.attempts then
        attempts = tonumber(fields[k + 1])
      else
        copy[#copy + 1] = fields[k]
        copy[#copy + 1] = fields[k + 1]
      end
    end
    copy[#copy + 1] = entry_field.attempts
    copy[#copy + 1] = tostring(attempts + 1)
    redis.call('XADD', KEYS[2], '*', unpack(copy))
  end
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[i])
  redis.call('XDEL', KEYS[1], ARGV[i])
end
return #ARGV - 1
)lua")};
  return s;
}

}  // namespace

status stream::ensure_groups() {
  for (auto key : {keys::logs, keys::retry}) {
    auto r = conn_.command({"XGROUP", "CREATE", key, keys::group, "0", "MKSTREAM"});
    if (!r) return r.error();
    if (r->view().is_error() && !r->view().str().starts_with("BUSYGROUP"))
      return redis::expect_ok(r, "XGROUP CREATE");
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
  if (auto s = redis::expect_ok(r, "XREADGROUP"); !s) return s.error();
  auto v = r->view();
  if (v.is_nil()) return std::vector<entry>{};
  // [[stream, [entries...]]]
  if (!v.is_array() || v.size() != 1 || !v[0].is_array() || v[0].size() != 2)
    return make_error_code(redis::errc::protocol);
  return queue::decode_entries(v[0][1]);
}

result<std::vector<entry>> stream::claim(std::string_view key, std::size_t count,
                                         std::chrono::milliseconds min_idle) {
  auto r = conn_.command({"XAUTOCLAIM", key, keys::group, consumer_,
                          std::to_string(min_idle.count()), "0-0", "COUNT", std::to_string(count)});
  if (auto s = redis::expect_ok(r, "XAUTOCLAIM"); !s) return s.error();
  auto v = r->view();  // [next-id, [entries...], [deleted ids...]]
  if (!v.is_array() || v.size() < 2) return make_error_code(redis::errc::protocol);
  return queue::decode_entries(v[1]);
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
  return redis::expect_ok(std::move(replies->back()), "XACK/XDEL");
}

status stream::beat(std::int64_t now_ms) {
  auto r = conn_.command({"HSET", keys::heartbeats, consumer_, std::to_string(now_ms)});
  return redis::expect_ok(r, "HSET heartbeat");
}

status stream::move_to_retry(const std::vector<entry>& entries) {
  std::vector<std::string> args = {std::string(keys::group)};
  for (const auto& e : entries)
    args.push_back(e.id);
  auto r =
      redis::eval(conn_, move_script(), {std::string(keys::logs), std::string(keys::retry)}, args);
  return redis::expect_ok(r, "move to queue:retry");
}

}  // namespace tracehub::worker
