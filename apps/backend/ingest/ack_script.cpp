#include "backend/ingest/ack_script.h"

#include <charconv>

#include "backend/ingest/batch_parser.h"
#include "backend/ingest/errc.h"
#include "backend/keyspace/keys.h"
#include "backend/keyspace/lua.h"
#include "backend/queue/entry.h"
#include "backend/queue/keys.h"

namespace tracehub::ingest {

namespace {

// The script, as Lua. Its header comment is the algorithm's description.
constexpr const char* source =
    R"lua(#!lua
-- The ACK step: one atomic Redis script per accepted batch (docs/PROTOCOL.md, "ACK").
-- The shebang makes Redis refuse the whole script up front (OOM) when it is at maxmemory, so
-- a full Redis never leaves a batch half-applied.
--
-- It classifies the batch's seqs against the service's ACK state, updates that state and
-- enqueues the batch in one step, so concurrent batches for one service - from many
-- connections or many backend instances - see a consistent state, and an ACK is never sent
-- for rows that are not durably queued. The state is ranges, never one key per seq:
--   ack:{svc}   hash  ack_field.till (ackTill), .missing (count), .version (bumped per
--                     accepted batch), .acked_at_ms, .owner + .owner_from (the producer id
--                     owning the sequence space, and the lowest seq it may send), .reused
--                     (batches refused as SEQ_REUSED)
--   gaps:{svc}  zset  one range_member(lo, hi) per missing range, score lo
-- (names and member form: the keyspace prelude, keyspace/lua.h). Seqs travel as decimal
-- strings and are < 2^53, so Lua's doubles hold them exactly.
--
-- KEYS: 1 ack:{svc}, 2 gaps:{svc}, 3 queue:logs, 4 ack:batch_seq, 5 ingest:paused,
--       6 services (the set of every service name seen), 7 queue:retry
-- ARGV: 1 service, 2 max_gap, 3 now_ms, 4 queue_max_entries, 5 rows (COPY text),
--       6 missing_limit, 7 queue_max_bytes (both streams, as MEMORY USAGE counts them),
--       8 producer id ('' for none), 9.. runs as lo,hi pairs (ascending, disjoint,
--       non-adjacent)
-- Returns {batch_id, till, contig, missing, accepted, duplicates, new_gaps, dup_ranges,
--          missing_ranges} (ranges flat lo,hi lists; missing_ranges covers at least the first
--          missing_limit missing seqs) or an error reply "GAP_TOO_LARGE <till>" /
--          "QUEUE_FULL <len> <bytes>" / "PAUSED <ms left>" (a reset is clearing the state) /
--          "SEQ_REUSED <till> <floor>" (another producer's seqs; this id may send only seqs
--          above floor) after changing nothing
--          but the reused counter.
--
-- Producer ids (docs/PROTOCOL.md, "Producer ids"): the first id a service's batches carry owns
-- its sequence space. A batch with another id takes the space over only if all its seqs are
-- new (above till), and that id may then send only seqs above that till: a producer that
-- lost its counter and starts again at 1 under a new id is refused, not silently counted as
-- duplicates. Batches without an id are not checked.
local ack, gaps, queue = KEYS[1], KEYS[2], KEYS[3]
local max_gap = tonumber(ARGV[2])
local nruns = (#ARGV - 8) / 2
local pid = ARGV[8]

local paused = redis.call('PTTL', KEYS[5])
if paused ~= -2 then
  return redis.error_reply('PAUSED ' .. fmt(math.max(paused, 0)))
end

local till = tonumber(redis.call('HGET', ack, ack_field.till) or '0')
local missing = tonumber(redis.call('HGET', ack, ack_field.missing) or '0')
local new_service = redis.call('EXISTS', ack) == 0

local lowest = tonumber(ARGV[9])
local till0 = till
local take_over, claim_all = false, false
if pid ~= '' then
  local owner = redis.call('HGET', ack, ack_field.owner)
  local owner_from = tonumber(redis.call('HGET', ack, ack_field.owner_from) or '1')
  if owner == pid then
    if lowest < owner_from then
      redis.call('HINCRBY', ack, ack_field.reused, 1)
      return redis.error_reply('SEQ_REUSED ' .. fmt(till) .. ' ' .. fmt(owner_from - 1))
    end
  elseif owner and lowest <= till then
    redis.call('HINCRBY', ack, ack_field.reused, 1)
    return redis.error_reply('SEQ_REUSED ' .. fmt(till) .. ' ' .. fmt(till))
  else
    take_over, claim_all = true, owner == false
  end
end

if tonumber(ARGV[8 + 2 * nruns]) > till + max_gap then
  return redis.error_reply('GAP_TOO_LARGE ' .. fmt(till))
end
local queued = redis.call('XLEN', queue)
local bytes = (redis.call('MEMORY', 'USAGE', queue) or 0) +
  (redis.call('MEMORY', 'USAGE', KEYS[7]) or 0)
if queued >= tonumber(ARGV[4]) or bytes >= tonumber(ARGV[7]) then
  return redis.error_reply('QUEUE_FULL ' .. fmt(queued) .. ' ' .. fmt(bytes))
end

local accepted, duplicates = 0, 0
local new_gaps, dup_ranges = {}, {}

local function add_dup(lo, hi)
  duplicates = duplicates + (hi - lo + 1)
  dup_ranges[#dup_ranges + 1] = lo
  dup_ranges[#dup_ranges + 1] = hi
end

-- [lo, hi] lies at or below till: what falls in a gap is accepted (and leaves the gap), the
-- rest was received before and is a duplicate.
local function fill(lo, hi)
  local overlapping = redis.call('ZRANGEBYSCORE', gaps, '(' .. fmt(lo), fmt(hi))
  local before = redis.call('ZREVRANGEBYSCORE', gaps, fmt(lo), '-inf', 'LIMIT', 0, 1)
  if #before > 0 then table.insert(overlapping, 1, before[1]) end
  local next_seq = lo
  for _, m in ipairs(overlapping) do
    local glo, ghi = parse_range(m)
    if ghi >= lo then
      local a, b = math.max(glo, lo), math.min(ghi, hi)
      if a > next_seq then add_dup(next_seq, a - 1) end
      accepted = accepted + (b - a + 1)
      missing = missing - (b - a + 1)
      redis.call('ZREM', gaps, m)
      if glo < a then redis.call('ZADD', gaps, fmt(glo), range_member(glo, a - 1)) end
      if ghi > b then redis.call('ZADD', gaps, fmt(b + 1), range_member(b + 1, ghi)) end
      next_seq = b + 1
    end
  end
  if next_seq <= hi then add_dup(next_seq, hi) end
end

for i = 0, nruns - 1 do
  local lo, hi = tonumber(ARGV[9 + 2 * i]), tonumber(ARGV[10 + 2 * i])
  if lo <= till then fill(lo, math.min(hi, till)) end
  if hi > till then
    local a = math.max(lo, till + 1)
    if a > till + 1 then
      redis.call('ZADD', gaps, fmt(till + 1), range_member(till + 1, a - 1))
      new_gaps[#new_gaps + 1] = till + 1
      new_gaps[#new_gaps + 1] = a - 1
      missing = missing + (a - 1 - till)
    end
    accepted = accepted + (hi - a + 1)
    till = hi
  end
end

local contig = till
local first = redis.call('ZRANGE', gaps, 0, 0)
if #first > 0 then
  local glo = parse_range(first[1])
  contig = glo - 1
end

local batch_id = 'ack_' .. ARGV[3] .. '_' .. fmt(redis.call('INCR', KEYS[4]))
if accepted > 0 then
  if new_service then redis.call('SADD', KEYS[6], ARGV[1]) end
  local ver = redis.call('HINCRBY', ack, ack_field.version, 1)
  redis.call('HSET', ack, ack_field.till, fmt(till), ack_field.missing, fmt(missing),
    ack_field.acked_at_ms, ARGV[3])
  if take_over then
    -- The first id of a service owns all of its space; a later one the seqs above the till
    -- it took over at (its batches may arrive in any order).
    redis.call('HSET', ack, ack_field.owner, pid, ack_field.owner_from,
      claim_all and '1' or fmt(till0 + 1))
  end
  local function ranges(flat)
    local parts = {}
    for k = 1, #flat, 2 do parts[#parts + 1] = fmt(flat[k]) .. '-' .. fmt(flat[k + 1]) end
    return table.concat(parts, ',')
  end
  redis.call('XADD', queue, '*', entry_field.service, ARGV[1], entry_field.rows, ARGV[5],
    entry_field.dups, ranges(dup_ranges), entry_field.gaps, ranges(new_gaps),
    entry_field.batch_id, batch_id, entry_field.ack_till, fmt(till),
    entry_field.contiguous_till, fmt(contig), entry_field.missing_total, fmt(missing),
    entry_field.version, fmt(ver), entry_field.acked_at_ms, ARGV[3])
end

-- The first missing seqs, as ranges, enough to list missing_limit of them.
local limit = tonumber(ARGV[6])
local listed, missing_ranges, offset = 0, {}, 0
while listed < limit do
  local page = redis.call('ZRANGE', gaps, offset, offset + 99)
  if #page == 0 then break end
  for _, m in ipairs(page) do
    local glo, ghi = parse_range(m)
    missing_ranges[#missing_ranges + 1] = glo
    missing_ranges[#missing_ranges + 1] = ghi
    listed = listed + (ghi - glo + 1)
    if listed >= limit then break end
  end
  offset = offset + 100
end

return {batch_id, till, contig, missing, accepted, duplicates, new_gaps, dup_ranges,
  missing_ranges}
)lua";

std::int64_t error_number(std::string_view text) {
  auto space = text.find(' ');
  std::int64_t n = 0;
  if (space != std::string_view::npos)
    std::from_chars(text.data() + space + 1, text.data() + text.size(), n);
  return n;
}

bool read_ranges(redis::reply_view flat, std::vector<queue::seq_range>& out) {
  if (!flat.is_array() || flat.size() % 2 != 0) return false;
  out.clear();
  out.reserve(flat.size() / 2);
  for (std::size_t i = 0; i < flat.size(); i += 2)
    out.push_back({flat[i].integer(), flat[i + 1].integer()});
  return true;
}

}  // namespace

result<ack_decision> decode_ack(redis::reply_view r) {
  if (r.is_error()) {
    if (r.str().starts_with("GAP_TOO_LARGE")) return gap_too_large{error_number(r.str())};
    if (r.str().starts_with("QUEUE_FULL")) {
      auto numbers = r.str().substr(std::string_view("QUEUE_FULL").size());  // " <len> <bytes>"
      auto second = numbers.find(' ', 1);
      return queue_full{
          error_number(numbers.substr(0, second)),
          second == std::string_view::npos ? 0 : error_number(numbers.substr(second))};
    }
    if (r.str().starts_with("PAUSED")) return paused{error_number(r.str())};
    if (r.str().starts_with("SEQ_REUSED")) {
      auto numbers = r.str().substr(std::string_view("SEQ_REUSED").size());  // " <till> <from>"
      auto second = numbers.find(' ', 1);
      if (second == std::string_view::npos) return make_error_code(errc::script_failed);
      return seq_reused{error_number(numbers.substr(0, second)),
                        error_number(numbers.substr(second))};
    }
    // Redis at maxmemory (noeviction) refused the whole script: nothing was applied.
    if (r.str().starts_with("OOM")) return queue_full{-1, -1};
    return make_error_code(errc::script_failed);
  }
  if (!r.is_array() || r.size() != 9 || !r[0].is_string())
    return make_error_code(errc::script_failed);
  ack_outcome out;
  out.batch_id.assign(r[0].str());
  out.ack_till = r[1].integer();
  out.contiguous_till = r[2].integer();
  out.missing_total = r[3].integer();
  out.accepted = r[4].integer();
  out.duplicates = r[5].integer();
  std::vector<queue::seq_range> ignored_dups;
  if (!read_ranges(r[6], out.new_gaps) || !read_ranges(r[7], ignored_dups) ||
      !read_ranges(r[8], out.missing))
    return make_error_code(errc::script_failed);
  return out;
}

std::vector<std::string> ack_keys(const std::string& service) {
  return {keyspace::ack(service),         keyspace::gaps(service),
          std::string(queue::keys::logs), std::string(keyspace::batch_seq),
          std::string(keyspace::paused),  std::string(keyspace::services),
          std::string(queue::keys::retry)};
}

std::vector<std::string> ack_args(parsed_batch& batch, std::int64_t max_gap,
                                  const queue_budget& budget, std::int64_t missing_limit,
                                  std::int64_t now_ms) {
  std::vector<std::string> args;
  args.reserve(8 + 2 * batch.runs.size());
  args.push_back(batch.service);
  args.push_back(std::to_string(max_gap));
  args.push_back(std::to_string(now_ms));
  args.push_back(std::to_string(budget.max_entries));
  args.push_back(std::move(batch.rows));
  args.push_back(std::to_string(missing_limit));
  args.push_back(std::to_string(budget.max_bytes));
  args.push_back(batch.producer_id);
  for (const auto& r : batch.runs) {
    args.push_back(std::to_string(r.lo));
    args.push_back(std::to_string(r.hi));
  }
  return args;
}

const redis::script& ack_script() {
  static const redis::script s{queue::with_entry_fields(keyspace::with_lua_prelude(source))};
  return s;
}

}  // namespace tracehub::ingest
