#include "backend/control/reset.h"

#include "backend/audit/keys.h"
#include "backend/control/sql.h"
#include "backend/keyspace/keys.h"
#include "backend/keyspace/lua.h"
#include "backend/pg/connection.h"
#include "backend/queue/keys.h"
#include "backend/redis/errc.h"
#include "backend/redis/script.h"
#include "backend/redis/sync_connection.h"

namespace tracehub::control {

namespace {

// KEYS: 1 queue:logs, 2 queue:retry, 3 services, 4 ingest:paused
// ARGV: 1 group, 2 grace ms, 3.. key patterns of per-service state
// Deletes by pattern (SCAN), not only the services set, so a producer's buffer and counter
// go too when its service never got an ACK. Single-instance Redis: on a cluster this becomes
// one call per slot (see README, keyspace).
constexpr const char* clear_source = R"lua(
local deleted = 0
for i = 3, #ARGV do
  local cursor = '0'
  repeat
    local page = redis.call('SCAN', cursor, 'MATCH', ARGV[i], 'COUNT', 1000)
    cursor = page[1]
    for _, k in ipairs(page[2]) do
      deleted = deleted + redis.call('DEL', k)
    end
  until cursor == '0'
end
deleted = deleted + redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
redis.call('XGROUP', 'CREATE', KEYS[1], ARGV[1], '0', 'MKSTREAM')
redis.call('XGROUP', 'CREATE', KEYS[2], ARGV[1], '0', 'MKSTREAM')
redis.call('SET', KEYS[4], '1', 'PX', ARGV[2])
return deleted
)lua";

const redis::script& clear_script() {
  static const redis::script s{keyspace::with_lua_prelude(clear_source)};
  return s;
}

}  // namespace

status pause_ingest(const redis::endpoint& ep, std::chrono::milliseconds limit) {
  auto conn = redis::sync_connection::open(ep, std::chrono::seconds(5));
  if (!conn) return conn.error();
  auto r = conn->command({"SET", keyspace::paused, "1", "PX", std::to_string(limit.count())});
  return redis::expect_ok(r, "SET ingest:paused");
}

result<reset_outcome> clear_state(const std::string& database_url, const redis::endpoint& ep,
                                  std::chrono::milliseconds grace) {
  auto conn = redis::sync_connection::open(ep, std::chrono::seconds(5));
  if (!conn) return conn.error();
  std::vector<std::string> keys{std::string(queue::keys::logs), std::string(queue::keys::retry),
                                std::string(keyspace::services), std::string(keyspace::paused)};
  // Every per-service key of keyspace/keys.h (the producers' too, so they start again at 1),
  // and the audit's (audit/keys.h).
  std::vector<std::string> args{std::string(queue::keys::group), std::to_string(grace.count())};
  for (auto prefix : keyspace::prefix::all)
    args.push_back(keyspace::pattern(prefix));
  args.push_back(std::string(audit::keys::pattern));
  auto r = redis::eval(*conn, clear_script(), keys, args);
  if (auto s = redis::expect_ok(r, "reset script"); !s) return s.error();
  reset_outcome out;
  out.redis_keys = r->view().integer();

  auto pg = pg::connection::open(database_url, std::chrono::seconds(3));
  if (!pg) return pg.error();
  if (auto s = pg->exec(sql::truncate_all); !s) return s.error();
  return out;
}

}  // namespace tracehub::control
