#include "backend/control/flush.h"

#include <algorithm>
#include <map>
#include <vector>

#include "backend/control/sql.h"
#include "backend/keyspace/keys.h"
#include "backend/keyspace/lua.h"
#include "backend/pg/connection.h"
#include "backend/queue/copy_row.h"
#include "backend/queue/entry.h"
#include "backend/queue/keys.h"
#include "backend/queue/seq_range.h"
#include "backend/redis/errc.h"
#include "backend/redis/script.h"
#include "backend/redis/sync_connection.h"

namespace tracehub::control {

namespace {

constexpr std::size_t chunk = 200;  // entries per transaction and script

// Purges the given entries of one stream that no consumer has read yet, atomically: an entry
// a worker read meanwhile (it is past the group's last-delivered id) is left to that worker.
// KEYS: 1 the stream, then ack:{svc}, gaps:{svc} per service of the chunk
// ARGV: 1 group, 2 n entries, then per entry: id, service slot (1-based), range count, lo, hi...
// Returns {entries purged, seqs re-opened}.
constexpr const char* purge_source = R"lua(
local stream, group = KEYS[1], ARGV[1]
local function id_parts(id)
  local ms, sq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(sq)
end
local last_ms, last_sq = 0, 0
for _, g in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
  local name, last
  for i = 1, #g, 2 do
    if g[i] == 'name' then name = g[i + 1] end
    if g[i] == 'last-delivered-id' then last = g[i + 1] end
  end
  if name == group then last_ms, last_sq = id_parts(last) end
end
local purged, seqs, a = 0, 0, 3
for e = 1, tonumber(ARGV[2]) do
  local id, slot, count = ARGV[a], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  a = a + 3
  local ms, sq = id_parts(id)
  local unread = ms > last_ms or (ms == last_ms and sq > last_sq)
  if unread and redis.call('XDEL', stream, id) == 1 then
    purged = purged + 1
    local ack, gaps = KEYS[2 * slot], KEYS[2 * slot + 1]
    local reopened = 0
    for r = 1, count do
      local lo, hi = tonumber(ARGV[a + 2 * r - 2]), tonumber(ARGV[a + 2 * r - 1])
      redis.call('ZADD', gaps, lo, range_member(lo, hi))
      reopened = reopened + (hi - lo + 1)
    end
    if reopened > 0 then redis.call('HINCRBY', ack, ack_field.missing, reopened) end
    seqs = seqs + reopened
  end
  a = a + 2 * count
end
return {purged, seqs}
)lua";

const redis::script& purge_script() {
  static const redis::script s{keyspace::with_lua_prelude(purge_source)};
  return s;
}

// The seqs of COPY text rows (second column) as ascending, disjoint ranges.
std::vector<queue::seq_range> seqs_of(std::string_view rows) {
  std::vector<std::int64_t> seqs;
  queue::for_each_row(rows, [&](std::string_view row) {
    if (auto seq = queue::row_seq(row); seq > 0) seqs.push_back(seq);
  });
  std::sort(seqs.begin(), seqs.end());
  std::vector<queue::seq_range> out;
  for (auto s : seqs) {
    if (!out.empty() && out.back().hi + 1 >= s) {
      out.back().hi = std::max(out.back().hi, s);
    } else {
      out.push_back({s, s});
    }
  }
  return out;
}

void coalesce(std::vector<queue::seq_range>& ranges) {
  std::sort(ranges.begin(), ranges.end(), [](const auto& a, const auto& b) { return a.lo < b.lo; });
  std::vector<queue::seq_range> out;
  for (const auto& r : ranges) {
    if (!out.empty() && out.back().hi + 1 >= r.lo) {
      out.back().hi = std::max(out.back().hi, r.hi);
    } else {
      out.push_back(r);
    }
  }
  ranges = std::move(out);
}

// One chunk: the replay requests first (committed), then the purge script.
status purge_chunk(pg::connection& pg, redis::sync_connection& conn, std::string_view key,
                   const std::vector<queue::entry>& entries, flush_outcome& out) {
  std::map<std::string, std::vector<queue::seq_range>> requests;  // service -> ranges
  std::map<std::string, std::size_t> slots;                       // service -> KEYS pair
  std::vector<std::string> keys{std::string(key)};
  std::vector<std::string> args{std::string(queue::keys::group), std::to_string(entries.size())};
  for (const auto& e : entries) {
    auto [it, added] = slots.emplace(e.service, slots.size() + 1);
    if (added) {
      keys.push_back(keyspace::ack(e.service));
      keys.push_back(keyspace::gaps(e.service));
    }
    auto rows = seqs_of(e.rows);
    args.push_back(e.id);
    args.push_back(std::to_string(it->second));
    args.push_back(std::to_string(rows.size()));
    for (const auto& r : rows) {
      args.push_back(std::to_string(r.lo));
      args.push_back(std::to_string(r.hi));
    }
    auto& req = requests[e.service];
    req.insert(req.end(), rows.begin(), rows.end());
    req.insert(req.end(), e.gaps.begin(), e.gaps.end());  // gaps the worker would have queued
  }

  // 1. The replay requests, committed before anything is purged. (An entry a worker reads
  // meanwhile is not purged; its requests then find nothing missing and complete empty.)
  if (auto s = pg.exec("BEGIN"); !s) return s;
  std::int64_t created = 0;
  for (auto& [service, ranges] : requests) {
    coalesce(ranges);
    for (const auto& r : ranges) {
      std::string lo = std::to_string(r.lo), hi = std::to_string(r.hi);
      std::vector<pg::param> params{service, lo, hi};
      if (auto q = pg.query(sql::insert_flush_request, params); !q) {
        (void)pg.exec("ROLLBACK");
        return q.error();
      }
      ++created;
    }
  }
  if (auto s = pg.exec("COMMIT"); !s) return s;

  // 2. Delete the unread entries and re-open their seqs, atomically.
  auto r = redis::eval(conn, purge_script(), keys, args);
  if (!r) return r.error();
  auto v = r->view();
  if (v.is_error() || !v.is_array() || v.size() != 2) return make_error_code(redis::errc::server);
  out.entries += v[0].integer();
  out.seqs += v[1].integer();
  out.requests += created;
  return {};
}

}  // namespace

// The entries of `key` after `after` (exclusive; "-" for the start) up to `cut`, at most
// `count`, without reading them through the group (so nothing becomes pending).
result<std::vector<queue::entry>> range(redis::sync_connection& c, std::string_view key,
                                        const std::string& after, const std::string& cut) {
  std::string from = after == "-" ? after : "(" + after;
  auto r = c.command({"XRANGE", key, from, cut, "COUNT", std::to_string(chunk)});
  if (auto s = redis::expect_ok(r, "XRANGE"); !s) return s.error();
  return queue::decode_entries(r->view());
}

result<flush_outcome> flush_queues(const std::string& database_url, const redis::endpoint& ep) {
  auto pg = pg::connection::open(database_url, std::chrono::seconds(3));
  if (!pg) return pg.error();
  auto conn = redis::sync_connection::open(ep, std::chrono::seconds(5));
  if (!conn) return conn.error();

  flush_outcome out;
  for (auto key : {queue::keys::logs, queue::keys::retry}) {
    // The cut: what the stream holds now. Entries added later (new batches, replays of what
    // this flush re-opened) are not purged.
    auto last = conn->command({"XREVRANGE", key, "+", "-", "COUNT", "1"});
    if (!last) return last.error();
    auto lv = last->view();
    if (!lv.is_array() || lv.size() == 0) continue;
    std::string cut(lv[0][0].str());
    std::string after = "-";
    for (;;) {
      auto entries = range(*conn, key, after, cut);
      if (!entries) return entries.error();
      if (entries->empty()) break;
      after = entries->back().id;
      if (auto s = purge_chunk(*pg, *conn, key, *entries, out); !s) return s.error();
    }
  }
  return out;
}

}  // namespace tracehub::control
