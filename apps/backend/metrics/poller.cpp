#include "backend/metrics/poller.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <tuple>

#include "backend/base/clock.h"
#include "backend/base/log.h"
#include "backend/keyspace/keys.h"
#include "backend/keyspace/range.h"
#include "backend/metrics/share.h"
#include "backend/pg/connection.h"
#include "backend/queue/keys.h"
#include "backend/redis/sync_connection.h"

namespace tracehub::metrics {

namespace {

constexpr module_logger<"metrics"> log;

std::int64_t to_int(std::string_view s) {
  std::int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// Pending requests all, finished ones of the last hour: the table grows by every gap ever
// seen (out-of-order batches make short-lived ones all day), so counting all of it each
// second would grow without bound. Both halves are served by replay_requests_status.
constexpr std::string_view replays_sql =
    "SELECT service, status, count(*) FROM replay_requests "
    "WHERE status = 'pending' OR (status IN ('completed', 'failed') "
    "AND created_at > now() - interval '1 hour') GROUP BY service, status";
constexpr std::string_view lost_sql =
    "SELECT service, sum(to_seq - from_seq + 1)::bigint FROM lost_seqs GROUP BY service";
constexpr std::string_view dead_sql =
    "SELECT service, count(*) FILTER (WHERE resolved_at IS NULL), count(*) FROM dead_letters "
    "GROUP BY service";

// Every service's ACK state (ack:{svc}, its first gaps), buffer depth and producer state, in
// one pipeline; the figures a service had before are kept for what is not read here. False
// when Redis did not answer.
bool read_services(redis::sync_connection& r, const std::vector<std::string>& names,
                   system_state& next) {
  constexpr std::size_t per_service = 4;  // commands per service below
  namespace ack_fields = keyspace::ack_field;
  namespace producer_fields = keyspace::producer_field;
  std::vector<std::vector<std::string>> per;
  for (const auto& s : names) {
    per.push_back({"HMGET", keyspace::ack(s), std::string(ack_fields::till),
                   std::string(ack_fields::missing), std::string(ack_fields::acked_at_ms),
                   std::string(ack_fields::reused)});
    per.push_back({"ZRANGE", keyspace::gaps(s), "0", "19"});
    per.push_back({"ZCARD", keyspace::buffer(s)});
    per.push_back({"HMGET", keyspace::producer(s), std::string(producer_fields::buffer_full),
                   std::string(producer_fields::held_back)});
  }
  auto pr = per.empty() ? result<std::vector<redis::reply>>(std::vector<redis::reply>{})
                        : r.pipeline(per);
  if (!pr || pr->size() != per.size()) return false;
  std::map<std::string, service_state> old;
  for (auto& s : next.services)
    old[s.service] = std::move(s);
  next.services.clear();
  for (std::size_t k = 0; k < names.size(); ++k) {
    service_state st;
    if (auto it = old.find(names[k]); it != old.end()) st = std::move(it->second);
    st.service = names[k];
    auto ack = (*pr)[per_service * k].view();
    if (ack.is_array() && ack.size() == 4) {
      st.ack_till = to_int(ack[0].str());
      st.missing = to_int(ack[1].str());
      st.last_ack_at = to_int(ack[2].str());
      st.sequence_reused = to_int(ack[3].str());
    }
    st.gaps.clear();
    auto gaps = (*pr)[per_service * k + 1].view();
    for (std::size_t i = 0; gaps.is_array() && i < gaps.size(); ++i)
      if (queue::seq_range g{}; keyspace::parse_range(gaps[i].str(), g.lo, g.hi))
        st.gaps.push_back(g);
    st.contiguous_till = st.gaps.empty() ? st.ack_till : st.gaps.front().lo - 1;
    st.buffer_depth = (*pr)[per_service * k + 2].view().integer();
    auto producer = (*pr)[per_service * k + 3].view();
    if (producer.is_array() && producer.size() == 2 && producer[0].is_string()) {
      st.buffer_full = producer[0].str() == "1";
      st.held_back = to_int(producer[1].str());
    } else {
      st.buffer_full = false;  // no producer state (yet, or it expired)
      st.held_back = 0;
    }
    next.services.push_back(std::move(st));
  }
  return true;
}

// The Redis half of a poll: queue depths, worker heartbeats, then every service's state.
// False when the connection failed (drop it); next.redis_up says whether all was read.
bool read_redis(redis::sync_connection& r, system_state& next) {
  std::vector<std::vector<std::string>> cmds{
      {"XLEN", std::string(queue::keys::logs)},
      {"XLEN", std::string(queue::keys::retry)},
      {"XPENDING", std::string(queue::keys::logs), std::string(queue::keys::group)},
      {"HGETALL", std::string(queue::keys::heartbeats)},
      {"SMEMBERS", std::string(keyspace::services)}};
  auto replies = r.pipeline(cmds);
  if (!replies || replies->size() != cmds.size()) return false;
  auto& rs = *replies;
  next.polled_at = now_epoch_ms();
  next.queue_logs = rs[0].view().integer();
  next.queue_retry = rs[1].view().integer();
  auto p = rs[2].view();  // NOGROUP before the first worker: nothing pending
  next.queue_pending = p.is_array() && p.size() > 0 ? p[0].integer() : 0;
  next.heartbeats.clear();
  auto hb = rs[3].view();
  for (std::size_t i = 0; hb.is_array() && i + 1 < hb.size(); i += 2)
    next.heartbeats[std::string(hb[i].str())] = to_int(hb[i + 1].str());
  std::vector<std::string> names;
  auto members = rs[4].view();
  for (std::size_t i = 0; members.is_array() && i < members.size(); ++i)
    names.emplace_back(members[i].str());
  std::sort(names.begin(), names.end());
  next.redis_up = read_services(r, names, next);
  return true;
}

// The Postgres half of a poll: replay requests, lost seqs and dead letters, per service and in
// all. False when a query failed.
bool read_postgres(pg::connection& pg, system_state& next) {
  auto replays = pg.query(replays_sql);
  auto lost = pg.query(lost_sql);
  auto dead = pg.query(dead_sql);
  if (!replays || !lost || !dead) return false;
  std::map<std::string, replay_counts> by_service;
  next.replays = {};
  for (std::size_t i = 0; i < replays->size(); ++i) {
    auto status = replays->get(i, 1);
    auto n = replays->get_int(i, 2);
    auto& rc = by_service[std::string(replays->get(i, 0))];
    auto* slot = status == "pending"     ? &rc.pending
                 : status == "completed" ? &rc.completed
                                         : &rc.failed;
    *slot += n;
    auto* total = status == "pending"     ? &next.replays.pending
                  : status == "completed" ? &next.replays.completed
                                          : &next.replays.failed;
    *total += n;
  }
  std::map<std::string, std::int64_t> lost_by;
  next.lost = 0;
  for (std::size_t i = 0; i < lost->size(); ++i) {
    lost_by[std::string(lost->get(i, 0))] = lost->get_int(i, 1);
    next.lost += lost->get_int(i, 1);
  }
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> dead_by;
  next.dead_letters = 0;
  for (std::size_t i = 0; i < dead->size(); ++i) {
    dead_by[std::string(dead->get(i, 0))] = {dead->get_int(i, 1), dead->get_int(i, 2)};
    next.dead_letters += dead->get_int(i, 1);
  }
  for (auto& s : next.services) {
    s.replays = by_service[s.service];
    s.lost = lost_by[s.service];
    std::tie(s.dead_letters, s.dead_letters_total) = dead_by[s.service];
  }
  return true;
}

}  // namespace

struct poller::connections {
  std::optional<redis::sync_connection> redis;
  std::optional<pg::connection> pg;
};

poller::poller(std::string database_url, redis::endpoint redis, std::chrono::milliseconds interval)
    : database_url_(std::move(database_url)),
      redis_(std::move(redis)),
      interval_(interval),
      conns_(std::make_unique<connections>()) {}

poller::~poller() {
  stop();
}

void poller::start() {
  stopping_ = false;
  thread_ = std::thread([this] {
    while (!stopping_) {
      poll_now();
      auto until = steady::now() + interval_;
      while (!stopping_ && steady::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
}

void poller::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void poller::poll_now() {
  std::lock_guard lock(poll_mutex_);
  poll(*conns_);
}

system_state poller::read() const {
  std::lock_guard lock(mutex_);
  return state_;
}

void poller::share(std::string origin, std::function<std::string()> local) {
  std::lock_guard lock(mutex_);
  origin_ = std::move(origin);
  local_ = std::move(local);
}

// Writes this process's share and reads the others' (metrics/share.h).
void poller::exchange_shares(redis::sync_connection& r, system_state& next) {
  std::string origin;
  std::function<std::string()> local;
  {
    std::lock_guard lock(mutex_);
    origin = origin_;
    local = local_;
  }
  if (!local) return;
  const std::string own = std::string(share_prefix) + origin;
  auto set = r.command({"SET", own, local(), "PX", "5000"});
  if (!redis::expect_ok(set, "SET metrics share")) return;
  std::vector<std::string> keys;
  std::string cursor = "0";
  const std::string pattern = std::string(share_prefix) + "*";
  do {
    auto scanned = r.command({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
    if (!scanned || !scanned->view().is_array() || scanned->view().size() != 2) return;
    auto v = scanned->view();
    cursor = std::string(v[0].str());
    for (std::size_t i = 0; i < v[1].size(); ++i)
      if (v[1][i].str() != own) keys.emplace_back(v[1][i].str());
  } while (cursor != "0");
  next.processes.clear();
  if (keys.empty()) return;
  std::vector<std::string_view> argv{"MGET"};
  for (const auto& k : keys)
    argv.push_back(k);
  auto got = r.command(argv);
  if (!got || !got->view().is_array()) return;
  auto v = got->view();
  for (std::size_t i = 0; i < v.size(); ++i)
    if (v[i].is_string()) next.processes.emplace_back(v[i].str());
}

void poller::poll(connections& c) {
  system_state next = read();  // keeps the last figures of a store that does not answer

  next.redis_up = false;
  if (!c.redis || !c.redis->ok()) {
    c.redis.reset();
    auto conn = redis::sync_connection::open(redis_, std::chrono::seconds(2));
    if (conn) c.redis.emplace(std::move(*conn));
  }
  if (c.redis && !read_redis(*c.redis, next)) c.redis.reset();
  if (c.redis) exchange_shares(*c.redis, next);

  next.postgres_up = false;
  if (!c.pg || !c.pg->ok()) {
    c.pg.reset();
    auto conn = pg::connection::open(database_url_, std::chrono::seconds(2));
    if (conn) c.pg.emplace(std::move(*conn));
  }
  if (c.pg) {
    next.postgres_up = read_postgres(*c.pg, next);
    if (!next.postgres_up) {
      log().debug("metrics poll: postgres: {}", c.pg->last_error());
      c.pg.reset();
    }
  }

  std::lock_guard lock(mutex_);
  state_ = std::move(next);
}

}  // namespace tracehub::metrics
