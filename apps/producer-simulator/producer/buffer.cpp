#include "producer-simulator/producer/buffer.h"

#include <charconv>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "backend/base/clock.h"
#include "backend/keyspace/keys.h"
#include "backend/keyspace/lua.h"
#include "producer-simulator/producer/errc.h"

namespace tracehub::producer {

namespace asio = boost::asio;

namespace {

constexpr const char* produce_source =
    R"lua(-- The produce step: seqs and buffer in one atomic step (one call per flushed chunk).
--
-- KEYS: 1 seq:{svc}, 2 buffer:{svc}, 3 producer-id:{svc}
-- ARGV: 1 a fresh producer id, then the entries' tails, in order: each entry's JSON without its
--       opening brace and seq ("level":"info",...}); the full entry is {"seq":<n>, .. tail.
-- Returns {first seq given, producer id}; the i-th tail got first + i - 1. A counter that
-- starts (again) from 1 is a new sequence space: it gets the fresh id (docs/PROTOCOL.md,
-- "Producer ids"), so the backend can tell it from the one before.
-- Seqs stay < 2^53, so Lua's doubles hold them exactly; fmt prints them without exponent.
-- The member form is the keyspace prelude's buffer_member (keyspace/lua.h).
local n = #ARGV - 1
local last = redis.call('INCRBY', KEYS[1], n)
local first = last - n + 1
local id = redis.call('GET', KEYS[3])
if first == 1 or not id then
  id = ARGV[1]
  redis.call('SET', KEYS[3], id)
end
for i = 1, n do
  local seq = first + i - 1
  redis.call('ZADD', KEYS[2], fmt(seq), buffer_member(seq, ARGV[i + 1]))
end
return {first, id}
)lua";

constexpr const char* trim_source =
    R"lua(-- The trim step: drop acknowledged seqs from the buffer unless the epoch changed.
--
-- KEYS: 1 seq:{svc}, 2 buffer:{svc}
-- ARGV: 1 floor (the highest seq the producer produced in its epoch, >= the ACK's ackTill),
--       then lo, hi pairs: inclusive seq ranges to remove.
-- Returns how many entries were removed, or -1 without touching anything when seq:{svc} is
-- below the floor: a reset deleted it since, the counter restarted at 1, and these ranges
-- would name the new epoch's entries.
local counter = tonumber(redis.call('GET', KEYS[1]) or '0')
if counter < tonumber(ARGV[1]) then
  return -1
end
local removed = 0
for i = 2, #ARGV - 1, 2 do
  removed = removed + redis.call('ZREMRANGEBYSCORE', KEYS[2], ARGV[i], ARGV[i + 1])
end
return removed
)lua";

constexpr const char* renumber_source =
    R"lua(-- The renumber step: moves the whole sequence space above the backend's ackTill.
--
-- KEYS: 1 seq:{svc}, 2 buffer:{svc}, 3 producer-id:{svc}
-- ARGV: 1 the producer id the refused batch carried, 2 offset (the 409's ackTill)
-- Every buffered entry's seq s becomes s + offset (its JSON too), and the counter moves by
-- offset: order kept, nothing dropped. Returns the offset, or -1 without touching anything
-- when the id changed since (a reset, or a renumber already done).
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return -1 end
local offset = tonumber(ARGV[2])
local entries = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
redis.call('DEL', KEYS[2])
for i = 1, #entries, 2 do
  local seq = tonumber(entries[i + 1]) + offset
  redis.call('ZADD', KEYS[2], fmt(seq), buffer_member(seq, buffer_tail(entries[i])))
end
redis.call('INCRBY', KEYS[1], offset)
return offset
)lua";

error_code unexpected() {
  return make_error_code(errc::unexpected_reply);
}

result<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return unexpected();
  return v;
}

// An integer reply, or a nil/string one holding an integer (GET).
result<std::int64_t> integer_of(const redis::reply& r) {
  auto v = r.view();
  if (v.is_integer()) return v.integer();
  if (v.is_nil()) return std::int64_t{0};
  if (v.is_string()) return parse_int(v.str());
  return unexpected();
}

// Shared by the commands of one pipelined() call; the caller waits on `done`.
struct pipeline_state {
  explicit pipeline_state(const asio::any_io_executor& ex, std::size_t n) : left(n), done(ex) {}
  std::size_t left;
  error_code first_error;
  asio::steady_timer done;
};

}  // namespace

const redis::script& produce_script() {
  static const redis::script s(keyspace::with_lua_prelude(produce_source));
  return s;
}

const redis::script& trim_script() {
  static const redis::script s(keyspace::with_lua_prelude(trim_source));
  return s;
}

const redis::script& renumber_script() {
  static const redis::script s(keyspace::with_lua_prelude(renumber_source));
  return s;
}

buffer::buffer(std::shared_ptr<redis::async_connection> redis, std::string service)
    : redis_(std::move(redis)),
      service_(std::move(service)),
      seq_key_(keyspace::seq(service_)),
      buffer_key_(keyspace::buffer(service_)),
      id_key_(keyspace::producer_id(service_)) {}

asio::awaitable<result<produced>> buffer::append(std::vector<std::string> tails,
                                                 std::string fresh_id) {
  std::vector<std::string> script_keys{seq_key_, buffer_key_, id_key_};
  tails.insert(tails.begin(), std::move(fresh_id));
  auto r = co_await redis::eval(*redis_, produce_script(), script_keys, std::move(tails));
  if (!r) co_return r.error();
  auto v = r->view();
  if (!v.is_array() || v.size() != 2 || !v[0].is_integer() || !v[1].is_string())
    co_return unexpected();
  co_return produced{v[0].integer(), std::string(v[1].str())};
}

asio::awaitable<result<std::int64_t>> buffer::renumber(const std::string& producer_id,
                                                       std::int64_t offset) {
  std::vector<std::string> script_keys{seq_key_, buffer_key_, id_key_};
  std::vector<std::string> args{producer_id, std::to_string(offset)};
  auto r = co_await redis::eval(*redis_, renumber_script(), script_keys, std::move(args));
  if (!r) co_return r.error();
  if (!r->view().is_integer()) co_return unexpected();
  co_return r->view().integer();
}

asio::awaitable<result<std::string>> buffer::producer_id() {
  std::vector<std::string> argv{"GET", id_key_};
  auto r = co_await redis_->command(std::move(argv));
  if (!r) co_return r.error();
  if (r->view().is_nil()) co_return std::string();
  if (!r->view().is_string()) co_return unexpected();
  co_return std::string(r->view().str());
}

asio::awaitable<result<std::int64_t>> buffer::last_seq() {
  std::vector<std::string> argv{"GET", seq_key_};
  auto r = co_await redis_->command(std::move(argv));
  if (!r) co_return r.error();
  co_return integer_of(*r);
}

asio::awaitable<result<std::vector<buffered_entry>>> buffer::read(std::int64_t after,
                                                                  std::int64_t till,
                                                                  std::size_t limit) {
  // Appended, not "(" + to_string(): GCC 12 at -O3 warns (-Wrestrict) about operator+ here.
  std::string exclusive_after = "(";
  exclusive_after += std::to_string(after);
  std::vector<std::string> argv{
      "ZRANGEBYSCORE", buffer_key_, std::move(exclusive_after), std::to_string(till), "WITHSCORES",
      "LIMIT",         "0",         std::to_string(limit)};
  auto r = co_await redis_->command(std::move(argv));
  if (!r) co_return r.error();
  auto v = r->view();
  if (!v.is_array() || v.size() % 2 != 0) co_return unexpected();
  std::vector<buffered_entry> out;
  out.reserve(v.size() / 2);
  for (std::size_t i = 0; i < v.size(); i += 2) {
    auto seq = parse_int(v[i + 1].str());
    if (!seq) co_return seq.error();
    out.push_back({*seq, std::string(v[i].str())});
  }
  co_return out;
}

asio::awaitable<result<std::int64_t>> buffer::trim(const std::vector<seq_range>& ranges,
                                                   std::int64_t floor) {
  if (ranges.empty()) co_return std::int64_t{0};
  std::vector<std::string> args;
  args.reserve(1 + 2 * ranges.size());
  args.push_back(std::to_string(floor));
  for (const auto& r : ranges) {
    args.push_back(std::to_string(r.lo));
    args.push_back(std::to_string(r.hi));
  }
  std::vector<std::string> script_keys{seq_key_, buffer_key_};
  auto r = co_await redis::eval(*redis_, trim_script(), script_keys, std::move(args));
  if (!r) co_return r.error();
  if (!r->view().is_integer()) co_return unexpected();
  co_return r->view().integer();
}

asio::awaitable<result<std::int64_t>> buffer::depth() {
  std::vector<std::string> argv{"ZCARD", buffer_key_};
  auto r = co_await redis_->command(std::move(argv));
  if (!r) co_return r.error();
  co_return integer_of(*r);
}

// Each command runs in its own coroutine: co_spawn posts them, so they all start — and hand
// their command to hiredis, which writes them in one go — before any reply is read.
asio::awaitable<status> pipelined(std::shared_ptr<redis::async_connection> c,
                                  std::vector<std::vector<std::string>> commands) {
  if (commands.empty()) co_return status{};
  auto ex = co_await asio::this_coro::executor;
  auto st = std::make_shared<pipeline_state>(ex, commands.size());
  for (auto& argv : commands) {
    auto one = [c, st, argv = std::move(argv)]() mutable -> asio::awaitable<void> {
      auto r = co_await c->command(std::move(argv));
      if (!st->first_error) {
        if (!r) {
          st->first_error = r.error();
        } else if (r->view().is_error()) {
          st->first_error = unexpected();
        }
      }
      if (--st->left == 0) st->done.cancel();
    };
    asio::co_spawn(ex, std::move(one), asio::detached);
  }
  while (st->left > 0) {
    st->done.expires_at(steady::time_point::max());
    boost::system::error_code ec;  // cancelled by the last reply: the expected ending
    co_await st->done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  if (st->first_error) co_return st->first_error;
  co_return status{};
}

}  // namespace tracehub::producer
