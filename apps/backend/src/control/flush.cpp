#include "control/flush.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <vector>

#include "control/sql.h"
#include "ingest/keys.h"
#include "pg/connection.h"
#include "queue/keys.h"
#include "queue/seq_range.h"
#include "redis/errc.h"
#include "redis/script.h"
#include "redis/sync_connection.h"
#include "worker/stream.h"

namespace tracehub::control {

namespace {

constexpr std::size_t chunk = 200;  // entries per transaction and script

// KEYS: 1 the stream, then ack:{svc}, gaps:{svc} for each service of the chunk
// ARGV: 1 group, 2 n (entry ids), 3..2+n ids, then per service: count of ranges, lo, hi, ...
constexpr const char* purge_source = R"lua(
local stream, group, n = KEYS[1], ARGV[1], tonumber(ARGV[2])
local ids = {}
for i = 1, n do ids[i] = ARGV[2 + i] end
if n > 0 then
  redis.call('XACK', stream, group, unpack(ids))
  redis.call('XDEL', stream, unpack(ids))
end
local a = 3 + n
for k = 2, #KEYS, 2 do
  local ack, gaps = KEYS[k], KEYS[k + 1]
  local count = tonumber(ARGV[a])
  a = a + 1
  local reopened = 0
  for r = 1, count do
    local lo, hi = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
    a = a + 2
    redis.call('ZADD', gaps, lo, string.format('%d:%d', lo, hi))
    reopened = reopened + (hi - lo + 1)
  end
  if reopened > 0 then redis.call('HINCRBY', ack, 'missing', reopened) end
end
return n
)lua";

const redis::script& purge_script() {
  static const redis::script s{purge_source};
  return s;
}

// The seqs of COPY text rows (second column) as ascending, disjoint ranges.
std::vector<queue::seq_range> seqs_of(std::string_view rows) {
  std::vector<std::int64_t> seqs;
  std::size_t pos = 0;
  while (pos < rows.size()) {
    auto end = rows.find('\n', pos);
    if (end == std::string_view::npos) end = rows.size();
    auto line = rows.substr(pos, end - pos);
    auto tab = line.find('\t');
    if (tab != std::string_view::npos) {
      std::int64_t v = 0;
      auto [p, ec] = std::from_chars(line.data() + tab + 1, line.data() + line.size(), v);
      if (ec == std::errc{}) seqs.push_back(v);
    }
    pos = end + 1;
  }
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

struct per_service {
  std::vector<queue::seq_range> stored;  // rows: re-opened as gaps
  std::vector<queue::seq_range> gaps;    // the entries' own new gaps: already missing
};

status purge_chunk(pg::connection& pg, redis::sync_connection& conn, std::string_view key,
                   const std::vector<worker::entry>& entries, flush_outcome& out) {
  std::map<std::string, per_service> by_service;
  for (const auto& e : entries) {
    auto& s = by_service[e.service];
    auto rows = seqs_of(e.rows);
    s.stored.insert(s.stored.end(), rows.begin(), rows.end());
    s.gaps.insert(s.gaps.end(), e.gaps.begin(), e.gaps.end());
  }
  // 1. The replay requests, committed before anything is purged.
  if (auto s = pg.exec("BEGIN"); !s) return s;
  std::int64_t requests = 0;
  for (auto& [service, s] : by_service) {
    coalesce(s.stored);
    auto all = s.stored;
    all.insert(all.end(), s.gaps.begin(), s.gaps.end());
    coalesce(all);
    for (const auto& r : all) {
      std::string lo = std::to_string(r.lo), hi = std::to_string(r.hi);
      std::vector<pg::param> params{service, lo, hi};
      if (auto q = pg.query(sql::insert_flush_request, params); !q) {
        (void)pg.exec("ROLLBACK");
        return q.error();
      }
      ++requests;
    }
  }
  if (auto s = pg.exec("COMMIT"); !s) return s;

  // 2. Acknowledge + delete the entries and re-open their seqs, atomically.
  std::vector<std::string> keys{std::string(key)};
  std::vector<std::string> args{std::string(queue::keys::group), std::to_string(entries.size())};
  for (const auto& e : entries)
    args.push_back(e.id);
  std::int64_t seqs = 0;
  for (const auto& [service, s] : by_service) {
    keys.push_back(ingest::keys::ack_state(service));
    keys.push_back(ingest::keys::gaps(service));
    args.push_back(std::to_string(s.stored.size()));
    for (const auto& r : s.stored) {
      args.push_back(std::to_string(r.lo));
      args.push_back(std::to_string(r.hi));
      seqs += r.hi - r.lo + 1;
    }
  }
  auto r = redis::eval(conn, purge_script(), keys, args);
  if (!r) return r.error();
  if (r->view().is_error()) return make_error_code(redis::errc::server);
  out.entries += static_cast<std::int64_t>(entries.size());
  out.seqs += seqs;
  out.requests += requests;
  return {};
}

}  // namespace

result<flush_outcome> flush_queues(const std::string& database_url, const redis::endpoint& ep) {
  auto pg = pg::connection::open(database_url, std::chrono::seconds(3));
  if (!pg) return pg.error();
  auto conn = redis::sync_connection::open(ep, std::chrono::seconds(5));
  if (!conn) return conn.error();
  worker::stream stream(std::move(*conn), "flusher");
  if (auto s = stream.ensure_groups(); !s) return s.error();
  // A second connection for the purge script (the stream owns the first).
  auto scripts = redis::sync_connection::open(ep, std::chrono::seconds(5));
  if (!scripts) return scripts.error();

  flush_outcome out;
  for (auto key : {queue::keys::logs, queue::keys::retry}) {
    // What an earlier, interrupted flush left pending first, then everything not yet read.
    for (bool own : {true, false}) {
      for (;;) {
        auto entries = stream.read(key, chunk, std::chrono::milliseconds(1), own);
        if (!entries) return entries.error();
        if (entries->empty()) break;
        if (auto s = purge_chunk(*pg, *scripts, key, *entries, out); !s) return s.error();
      }
    }
  }
  return out;
}

}  // namespace tracehub::control
