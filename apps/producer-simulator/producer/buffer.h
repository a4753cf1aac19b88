// producer/buffer.h — one service's seq counter and buffer in Redis (keyspace/keys.h has the keys
// and the buffer's member format, a contract with the backend's replay worker).
//
// append() is the only writer of seqs: one Lua script does INCRBY seq:{svc} K and ZADDs the K
// full entries, so a seq exists only together with its buffered entry — a producer killed at any
// moment never leaves a seq that is neither buffered nor sent. The producer sends what it reads
// back from the buffer (read()), and trims it on ACKs (trim()). A trim is conditional on the
// seq counter, atomically (a second script): after a `reset` (which deletes seq:{svc} and
// buffer:{svc}) an ACK of the earlier epoch must not remove the new epoch's entries.
//
// Runs on the async connection's executor (the io thread); every call is one round trip, or one
// pipelined burst. Failures are redis::errc (timeout distinct from io/closed) or
// producer::errc::unexpected_reply; a call that timed out may still have been applied.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "backend/base/result.h"
#include "backend/redis/async_connection.h"
#include "backend/redis/script.h"
#include "producer-simulator/producer/ack.h"

namespace tracehub::producer {

// The produce and trim scripts (sources in buffer.cpp), loaded once per process.
const redis::script& produce_script();
const redis::script& trim_script();
const redis::script& renumber_script();

// What append() did: the first seq it gave, and the sequence space's producer id.
struct produced {
  std::int64_t first = 0;
  std::string producer_id;
};

// trim()'s answer when it refused to remove anything (the seq counter is below its floor).
inline constexpr std::int64_t trim_refused = -1;

struct buffered_entry {
  std::int64_t seq = 0;
  std::string json;  // {"seq":<seq>,...} exactly as stored
};

class buffer {
 public:
  buffer(std::shared_ptr<redis::async_connection> redis, std::string service);

  // Gives `tails` (see traffic/render.h) the next consecutive seqs and buffers each full entry,
  // atomically. Returns the first seq (the last is first + tails.size() - 1) and the producer
  // id: `fresh_id` when the counter started from 1 (a new sequence space), else the stored
  // one. Precondition: tails is not empty.
  boost::asio::awaitable<result<produced>> append(std::vector<std::string> tails,
                                                  std::string fresh_id);

  // Moves every buffered seq, and the counter, up by `offset` (the backend's ackTill after a
  // 409 sequence_reused), provided the sequence space is still `producer_id`'s. Returns the
  // offset, or -1 when it is not (nothing changed).
  boost::asio::awaitable<result<std::int64_t>> renumber(const std::string& producer_id,
                                                        std::int64_t offset);

  // The sequence space's producer id ("" when there is none yet).
  boost::asio::awaitable<result<std::string>> producer_id();

  // The last seq handed out (0 when the service never produced).
  boost::asio::awaitable<result<std::int64_t>> last_seq();

  // Buffered entries with after < seq <= till, ascending, at most `limit`.
  boost::asio::awaitable<result<std::vector<buffered_entry>>> read(std::int64_t after,
                                                                   std::int64_t till,
                                                                   std::size_t limit);

  // Removes every seq in `ranges`, in one script, provided seq:{svc} is still >= `floor`;
  // returns how many entries went, or trim_refused when the counter is below `floor` (it went
  // back: a reset cleared the service's state, so these ranges name another epoch's seqs).
  // The caller passes the highest seq it knows it produced in its current epoch (at least the
  // ACK's ackTill): in that epoch the counter is never below it.
  boost::asio::awaitable<result<std::int64_t>> trim(const std::vector<seq_range>& ranges,
                                                    std::int64_t floor);

  // How many entries the buffer holds.
  boost::asio::awaitable<result<std::int64_t>> depth();

  const std::string& service() const { return service_; }

 private:
  std::shared_ptr<redis::async_connection> redis_;
  std::string service_;
  std::string seq_key_, buffer_key_, id_key_;
};

// Sends every command at once on `c` (hiredis pipelines them on the socket) and waits for all
// replies. Fails with the first error (a transport error, or errc::unexpected_reply for an
// error reply); the others may still have been applied.
boost::asio::awaitable<status> pipelined(std::shared_ptr<redis::async_connection> c,
                                         std::vector<std::vector<std::string>> commands);

}  // namespace tracehub::producer
