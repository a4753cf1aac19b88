#include "backend/audit/auditor.h"

#include <charconv>
#include <random>
#include <utility>

#include <boost/json.hpp>

#include "backend/audit/keys.h"
#include "backend/audit/logger.h"
#include "backend/audit/sql.h"
#include "backend/base/clock.h"
#include "backend/keyspace/keys.h"
#include "backend/keyspace/lua.h"
#include "backend/keyspace/range.h"
#include "backend/pg/array_literal.h"
#include "backend/pg/connection.h"
#include "backend/queue/keys.h"
#include "backend/redis/errc.h"
#include "backend/redis/script.h"
#include "backend/redis/sync_connection.h"

namespace tracehub::audit {

namespace {

namespace json = boost::json;
using std::chrono::milliseconds;

// The snapshot (step 1), atomic. KEYS: 1 queue:logs, 2 ingest:paused, 3 audit:run, then per
// service 5 keys: ack:{svc}, gaps:{svc}, lost:{svc}, audit:{svc}, audit-recheck:{svc}.
// ARGV: 1 the round's token, 2 its expiry (ms).
// Returns {newest queue id, {till, gaps members, lost members, verified, recheck members}...}
// or the error "PAUSED" while a reset clears the state.
const redis::script& snapshot_script() {
  static const redis::script s{keyspace::with_lua_prelude(R"lua(
if redis.call('EXISTS', KEYS[2]) == 1 then return redis.error_reply('PAUSED') end
redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[2])
local newest = '0-0'
if redis.call('EXISTS', KEYS[1]) == 1 then
  local info = redis.call('XINFO', 'STREAM', KEYS[1])
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then newest = info[i + 1] end
  end
end
local out = {newest}
for k = 4, #KEYS, 5 do
  out[#out + 1] = {redis.call('HGET', KEYS[k], ack_field.till) or '0',
    redis.call('ZRANGE', KEYS[k + 1], 0, -1), redis.call('ZRANGE', KEYS[k + 2], 0, -1),
    redis.call('HGET', KEYS[k + 3], 'verified') or '0', redis.call('ZRANGE', KEYS[k + 4], 0, -1)}
end
return out
)lua")};
  return s;
}

// Step 4's Redis half, atomic, and only while the round's token stands (a reset deletes it).
// KEYS: 1 audit:run, 2 lost:{svc}, 3 audit:{svc}, 4 audit-recheck:{svc}.
// ARGV: 1 token, 2 verified, 3 number of holes, then holes' members, then recheck members.
// Returns 1, or 0 when the token is gone (nothing written).
const redis::script& record_script() {
  static const redis::script s{keyspace::with_lua_prelude(R"lua(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local holes = tonumber(ARGV[3])
for i = 4, 3 + holes do
  redis.call('ZADD', KEYS[2], fmt(parse_range(ARGV[i])), ARGV[i])
end
redis.call('HSET', KEYS[3], 'verified', ARGV[2])
redis.call('DEL', KEYS[4])
for i = 4 + holes, #ARGV do
  redis.call('ZADD', KEYS[4], fmt(parse_range(ARGV[i])), ARGV[i])
end
return 1
)lua")};
  return s;
}

// KEYS: 1 audit:lock. ARGV: 1 token. Releases the lock if it is still ours.
const redis::script& unlock_script() {
  static const redis::script s{R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
)lua"};
  return s;
}

std::string make_token() {
  std::random_device rd;
  return std::to_string(now_epoch_ms()) + "-" + std::to_string(rd()) + std::to_string(rd());
}

// A stream id "ms-n" as a comparable pair; {0, 0} if malformed.
std::pair<std::uint64_t, std::uint64_t> stream_id(std::string_view id) {
  std::pair<std::uint64_t, std::uint64_t> out{0, 0};
  auto dash = id.find('-');
  if (dash == std::string_view::npos) return out;
  std::from_chars(id.data(), id.data() + dash, out.first);
  std::from_chars(id.data() + dash + 1, id.data() + id.size(), out.second);
  return out;
}

std::int64_t to_int(std::string_view s) {
  std::int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

bool read_members(redis::reply_view v, ranges& out) {
  if (!v.is_array()) return false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    queue::seq_range r{};
    if (!keyspace::parse_range(v[i].str(), r.lo, r.hi)) return false;
    out.push_back(r);
  }
  return true;
}

// Why a reply cannot be used: the call's error, the error reply (logged), or an unexpected
// shape (errc::protocol).
error_code redis_failed(const result<redis::reply>& r, const char* what) {
  auto st = redis::expect_ok(r, what);
  return st ? make_error_code(redis::errc::protocol) : st.error();
}

struct snapshot {
  std::string service;
  std::int64_t till = 0;
  ranges gaps, lost, recheck;
  std::int64_t verified = 0;
};

// What counting found in one service's ranges.
class counter {
 public:
  counter(pg::connection& pg, const std::string& service, std::int64_t leaf)
      : pg_(pg), service_(service), leaf_(leaf) {}

  // Appends the seqs of `r` that are neither stored nor dead-lettered to holes_.
  status check(queue::seq_range r) {
    std::string lo = std::to_string(r.lo), hi = std::to_string(r.hi);
    pg::param p[] = {service_, lo, hi};
    ++queries;
    if (r.size() <= leaf_) {
      auto rows = pg_.query(sql::list_present, p);
      if (!rows) return rows.error();
      auto next = r.lo;
      for (std::size_t i = 0; i < rows->size(); ++i) {
        auto seq = rows->get_int(i, 0);
        if (seq > next) holes.push_back({next, seq - 1});
        next = seq + 1;
      }
      if (next <= r.hi) holes.push_back({next, r.hi});
      return {};
    }
    auto rows = pg_.query(sql::count_present, p);
    if (!rows) return rows.error();
    if (rows->get_int(0, 0) >= r.size()) return {};
    auto mid = r.lo + (r.hi - r.lo) / 2;
    if (auto s = check({r.lo, mid}); !s) return s;
    return check({mid + 1, r.hi});
  }

  ranges holes;
  std::int64_t queries = 0;

 private:
  pg::connection& pg_;
  const std::string& service_;
  std::int64_t leaf_;
};

result<ranges> read_ranges(pg::connection& pg, std::string_view query,
                           std::span<const pg::param> params) {
  auto rows = pg.query(query, params);
  if (!rows) return rows.error();
  ranges out;
  for (std::size_t i = 0; i < rows->size(); ++i)
    out.push_back({rows->get_int(i, 0), rows->get_int(i, 1)});
  return out;
}

// The seqs of a service that retention has removed: [1, logs_expired.expired_till], or none.
result<ranges> expired_range(pg::connection& pg, std::span<const pg::param> service) {
  auto rows = pg.query(sql::expired_till, service);
  if (!rows) return rows.error();
  auto till = rows->get_int(0, 0);
  if (till < 1) return ranges{};
  return ranges{{1, till}};
}

class audit_round {
 public:
  audit_round(const options& opts, redis::sync_connection& redis, const std::atomic<bool>* cancel)
      : opts_(opts), redis_(redis), cancel_(cancel), token_(make_token()) {}

  result<report> run(milliseconds wait) {
    const auto started = steady::now();
    const auto deadline = started + wait;
    report out;
    auto finish = [&](std::string why) {
      out.deferred = std::move(why);
      out.duration_ms = std::chrono::duration_cast<milliseconds>(steady::now() - started).count();
      return out;
    };
    auto locked = lock(deadline);
    if (!locked) return locked.error();
    if (!*locked) return finish("another audit is running");
    auto unlock = [&] {
      (void)redis::eval(redis_, unlock_script(), {std::string(keys::lock)}, {token_});
    };
    auto r = body(out, deadline);
    unlock();
    if (!r) return r.error();
    if (!r->empty()) return finish(std::move(*r));
    out.done = true;
    out.duration_ms = std::chrono::duration_cast<milliseconds>(steady::now() - started).count();
    return out;
  }

 private:
  // Whether the lock was taken before `deadline`.
  result<bool> lock(steady::time_point deadline) {
    for (;;) {
      auto r = redis_.command({"SET", keys::lock, token_, "NX", "PX", "600000"});
      if (!r || r->view().is_error())
        return result<bool>(boost::system::in_place_error, redis_failed(r, "audit lock"));
      if (r->view().is_status()) return true;
      if (steady::now() >= deadline || cancelled()) return false;
      std::this_thread::sleep_for(milliseconds(100));  // held by another process's round
    }
  }

  // The round's steps; "" when done, else why it stopped.
  result<std::string> body(report& out, steady::time_point deadline) {
    auto services = redis_.command({"SMEMBERS", keyspace::services});
    if (!services || !services->view().is_array())
      return redis_failed(services, "SMEMBERS services");
    std::vector<snapshot> snaps;
    std::vector<std::string> argv_keys{std::string(queue::keys::logs),
                                       std::string(keyspace::paused), std::string(keys::run)};
    for (std::size_t i = 0; i < services->view().size(); ++i) {
      snapshot s;
      s.service = services->view()[i].str();
      argv_keys.push_back(keyspace::ack(s.service));
      argv_keys.push_back(keyspace::gaps(s.service));
      argv_keys.push_back(keyspace::lost(s.service));
      argv_keys.push_back(keys::state(s.service));
      argv_keys.push_back(keys::recheck(s.service));
      snaps.push_back(std::move(s));
    }
    auto snap = redis::eval(redis_, snapshot_script(), argv_keys, {token_, "600000"});
    if (!snap) return snap.error();
    auto v = snap->view();
    if (v.is_error() && v.str().starts_with("PAUSED")) return std::string("a reset is running");
    if (!v.is_array() || v.size() != snaps.size() + 1) return redis_failed(snap, "snapshot");
    const auto newest = stream_id(v[0].str());
    for (std::size_t i = 0; i < snaps.size(); ++i) {
      auto e = v[i + 1];
      auto& s = snaps[i];
      if (!e.is_array() || e.size() != 5) return redis_failed(snap, "snapshot");
      s.till = to_int(e[0].str());
      s.verified = to_int(e[3].str());
      if (!read_members(e[1], s.gaps) || !read_members(e[2], s.lost) ||
          !read_members(e[4], s.recheck))
        return redis_failed(snap, "snapshot members");
    }

    // Step 2: wait until every entry queued by the snapshot has left the queue.
    for (;;) {
      auto q = redis_.pipeline({{"XRANGE", std::string(queue::keys::logs), "-", "+", "COUNT", "1"},
                                {"XLEN", std::string(queue::keys::retry)}});
      if (!q) return q.error();
      auto oldest = (*q)[0].view();
      bool passed = oldest.is_array() &&
                    (oldest.size() == 0 || (oldest[0].is_array() && oldest[0].size() > 0 &&
                                            stream_id(oldest[0][0].str()) > newest));
      if (passed && (*q)[1].view().integer() == 0) break;
      if (steady::now() >= deadline || cancelled())
        return std::string(
            "the queue has not yet moved past the snapshot (entries queued "
            "before it, or in queue:retry, are still waiting for the worker)");
      std::this_thread::sleep_for(milliseconds(50));
    }

    // Named, so that a look at pg_stat_activity tells a round's connection from the others.
    auto pg = pg::connection::open(opts_.database_url, std::chrono::seconds(5), "tracehub-audit");
    if (!pg) return pg.error();
    for (auto& s : snaps) {
      auto r = check_service(*pg, s, out);
      if (!r) return r.error();
      if (!r->empty()) return std::move(*r);
    }
    return std::string();
  }

  // Steps 3 and 4 for one service; "" when done, else why the round stopped.
  result<std::string> check_service(pg::connection& pg, snapshot& s, report& out) {
    ranges region = s.recheck;
    if (s.till > s.verified) region.push_back({s.verified + 1, s.till});
    region = normalize(std::move(region));
    service_report rep;
    rep.service = s.service;
    rep.verified_till = std::max(s.verified, s.till);
    if (region.empty()) {
      out.services.push_back(std::move(rep));
      return std::string();
    }
    std::string above = std::to_string(region.front().lo - 1);
    std::string grace = std::to_string(opts_.replay_grace.count());
    pg::param p2[] = {s.service, above};
    auto lost = read_ranges(pg, sql::lost_ranges, p2);
    if (!lost) return lost.error();
    pg::param p3[] = {s.service, above, grace};
    auto replays = read_ranges(pg, sql::busy_replays, p3);
    if (!replays) return replays.error();

    pg::param p1[] = {s.service};
    auto expired = expired_range(pg, p1);
    if (!expired) return expired.error();

    ranges settled = s.lost;  // reported lost already: never again
    settled.insert(settled.end(), lost->begin(), lost->end());
    settled.insert(settled.end(), expired->begin(), expired->end());
    ranges pending = s.gaps;  // not checkable yet: checked again by the next round
    pending.insert(pending.end(), replays->begin(), replays->end());
    auto expected = subtract(subtract(region, settled), pending);
    auto recheck = subtract(intersect(region, pending), settled);

    counter c(pg, s.service, opts_.leaf);
    for (auto piece : split(expected, opts_.chunk))
      if (auto st = c.check(piece); !st) return st.error();
    out.queries += c.queries;
    rep.checked = count(expected);
    // Retention may have removed a chunk while the rows were counted: what it removed by now
    // is expired, not lost.
    expired = expired_range(pg, p1);
    if (!expired) return expired.error();
    rep.holes = subtract(normalize(std::move(c.holes)), *expired);

    // Step 4: Postgres first, committed only if the Redis half still belongs to this round
    // (a reset deletes the token, then truncates: its TRUNCATE waits for this transaction).
    if (auto st = pg.exec("BEGIN"); !st) return st.error();
    if (!rep.holes.empty()) {
      pg::array_literal svcs, froms, tos;
      for (const auto& h : rep.holes) {
        svcs.add(s.service);
        froms.add(h.lo);
        tos.add(h.hi);
      }
      std::string a = svcs.str(), b = froms.str(), t = tos.str();
      pg::param p[] = {a, b, t};
      if (auto r = pg.query(sql::record_lost, p); !r) {
        (void)pg.exec("ROLLBACK");
        return r.error();
      }
    }
    std::vector<std::string> args{token_, std::to_string(rep.verified_till),
                                  std::to_string(rep.holes.size())};
    for (const auto& h : rep.holes)
      args.push_back(keyspace::format_range(h.lo, h.hi));
    for (const auto& r : recheck)
      args.push_back(keyspace::format_range(r.lo, r.hi));
    auto rec = redis::eval(redis_, record_script(),
                           {std::string(keys::run), keyspace::lost(s.service),
                            keys::state(s.service), keys::recheck(s.service)},
                           args);
    if (!rec || rec->view().is_error()) {
      (void)pg.exec("ROLLBACK");
      return redis_failed(rec, "audit record");
    }
    if (rec->view().integer() != 1) {
      (void)pg.exec("ROLLBACK");
      return std::string("a reset ran during the audit");
    }
    if (auto st = pg.exec("COMMIT"); !st) return st.error();
    for (const auto& h : rep.holes)
      log().error("audit: {} seqs {}-{} were ACKed but are not in Postgres: reported lost",
                  s.service, h.lo, h.hi);
    out.services.push_back(std::move(rep));
    return std::string();
  }

  bool cancelled() const { return cancel_ && cancel_->load(); }

  const options& opts_;
  redis::sync_connection& redis_;
  const std::atomic<bool>* cancel_;
  std::string token_;
};

}  // namespace

std::int64_t report::lost() const {
  std::int64_t n = 0;
  for (const auto& s : services)
    n += count(s.holes);
  return n;
}

result<report> run_round(const options& opts, milliseconds wait, const std::atomic<bool>* cancel) {
  auto redis = redis::sync_connection::open(opts.redis, std::chrono::seconds(5));
  if (!redis) return redis.error();
  return audit_round(opts, *redis, cancel).run(wait);
}

std::string to_json(const report& r) {
  json::object out{{"done", r.done}};
  if (!r.done) out["deferred"] = r.deferred;
  json::array services;
  for (const auto& s : r.services) {
    json::array holes;
    for (const auto& h : s.holes)
      holes.push_back(json::object{{"from", h.lo}, {"to", h.hi}, {"count", h.size()}});
    services.push_back(json::object{{"service", s.service},
                                    {"checked", s.checked},
                                    {"verifiedTill", s.verified_till},
                                    {"holes", std::move(holes)}});
  }
  out["services"] = std::move(services);
  out["lost"] = r.lost();
  out["queries"] = r.queries;
  out["durationMs"] = r.duration_ms;
  return json::serialize(out);
}

auditor::~auditor() {
  stop();
}

void auditor::start() {
  if (opts_.interval.count() <= 0 || thread_.joinable()) return;
  thread_ = std::thread([this] {
    std::unique_lock lk(mu_);
    while (!stopping_) {
      lk.unlock();
      auto r = run_round(opts_, opts_.interval, &cancel_);
      if (!r)
        log().warn("audit round failed: {}", r.error().message());
      else if (!r->done)
        log().debug("audit round deferred: {}", r->deferred);
      lk.lock();
      cv_.wait_for(lk, opts_.interval, [this] { return stopping_; });
    }
  });
}

void auditor::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cancel_ = true;
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace tracehub::audit
