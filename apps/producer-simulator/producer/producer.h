// producer/producer.h — one simulated service: a real producer of the ingest protocol.
//
// It generates traffic (traffic/), gives each flushed chunk its seqs and buffers it in one Redis
// script (buffer.h), sends what the buffer holds in batches (POST /ingest, at most max_in_flight
// at once), trims the buffer on each ACK (every seq <= ackTill not listed missing), and re-sends
// failed batches after a back-off shared by the service's senders. What the buffer holds at
// start-up (left by an earlier run) is sent first.
//
// A `reset` of the whole system (docs/PROTOCOL.md, "Controls") deletes seq:{svc} and buffer:{svc}
// while the producer runs; it follows into the new epoch (seqs from 1 again) and keeps the two
// apart: a batch read before the reset is never sent after it (each retry first checks the epoch
// and the seq counter), and an ACK of an earlier epoch trims nothing (checked here, and again in
// Redis by the trim script, atomically with the trim). Its state is published every second in
// producer:{svc} (keyspace/keys.h) with a 10 s expiry, so a dead producer shows as stale.
//
// Threading: everything runs on the one executor given (the simulator's io thread); no locks.
// Construct, co_spawn run(), then stop() (drain) or abort() from the same thread; the object
// must outlive run()'s completion.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "backend/base/backoff.h"
#include "backend/redis/async_connection.h"
#include "producer-simulator/producer/buffer.h"
#include "producer-simulator/producer/http_client.h"
#include "producer-simulator/producer/probe.h"
#include "producer-simulator/traffic/generator.h"

namespace tracehub::producer {

struct producer_options {
  std::string service;
  // TRACEHUB_INGEST_TOKEN: sent as a bearer token when the backend requires producer tokens
  // (README "Security"); empty: none. The service goes in X-TraceHub-Service either way.
  std::string ingest_token;
  traffic::traffic_options traffic;
  std::size_t batch_size = 200;                   // entries per POST (and per produce call)
  std::chrono::milliseconds flush_interval{250};  // oldest generated log waits at most this
  std::chrono::milliseconds request_timeout{2000};
  int max_in_flight = 4;                            // batches being sent (or retried) at once
  std::chrono::milliseconds drain_timeout{10'000};  // after stop(): time to empty the buffer
  std::chrono::milliseconds state_interval{1000};
  std::chrono::seconds state_ttl{10};
  std::chrono::milliseconds backoff_min{100}, backoff_max{5000};
  std::size_t max_unsequenced = 100'000;  // generated logs waiting for Redis; oldest dropped
  // Entries buffer:{svc} may hold. Reached (the backend refuses or is away), the producer stops
  // producing until ACKs trim the buffer, and says so in producer:{svc} (buffer_full, held_back):
  // its Redis memory stays bounded and nothing it produced is dropped.
  std::int64_t max_buffer = 100'000;
  std::uint64_t seed = 1;
};

class service_producer {
 public:
  service_producer(boost::asio::any_io_executor ex, std::shared_ptr<redis::async_connection> redis,
                   backend_url backend, producer_options opts);
  service_producer(const service_producer&) = delete;
  service_producer& operator=(const service_producer&) = delete;

  // Produces and sends until stop() (then drains) or abort(); completes when nothing of it
  // runs any more. Call once.
  boost::asio::awaitable<void> run();

  // Stops generating; run() then sends what the buffer still holds until it is empty (every
  // entry acknowledged and trimmed) or drain_timeout passed, and completes. What is not
  // acknowledged stays buffered for the next run. Idempotent.
  void stop();

  // Stops without draining: run() completes once requests in progress end (within the request
  // timeout). The buffer keeps everything not acknowledged.
  void abort();

  const probe& stats() const { return probe_; }

 private:
  boost::asio::awaitable<void> generate_loop();
  void take_generated(steady::time_point now);
  bool flush_due(steady::time_point now) const;
  boost::asio::awaitable<void> flush_pending();

  boost::asio::awaitable<void> load_high_water();
  boost::asio::awaitable<void> dispatch_loop();
  boost::asio::awaitable<void> dispatch_next();
  boost::asio::awaitable<bool> drained();
  boost::asio::awaitable<void> send_batch(std::vector<buffered_entry> entries, std::uint64_t epoch,
                                          std::string producer_id);
  boost::asio::awaitable<void> on_reused(std::int64_t ack_till, std::uint64_t epoch,
                                         const std::string& producer_id, std::int64_t first,
                                         std::int64_t last);
  enum class batch_fate { current, stale, unknown };
  boost::asio::awaitable<batch_fate> fate_of(std::uint64_t epoch);
  boost::asio::awaitable<bool> settle_ack(const http_answer& a, std::int64_t entries,
                                          std::uint64_t epoch, const std::string& producer_id);
  void note_produced(std::int64_t first, std::int64_t count, const std::string& producer_id);

  boost::asio::awaitable<void> publish_loop();
  boost::asio::awaitable<void> publish_state();
  std::vector<std::string> state_command(const std::string& key, std::int64_t depth);

  void redis_failed(const error_code& ec, const char* what);
  // True after abort(), or once the drain deadline after stop() has passed.
  bool given_up() const;
  void notify() { wake_.cancel(); }
  boost::asio::awaitable<void> wait_for_news(std::chrono::milliseconds limit);
  boost::asio::awaitable<void> sleep_until(steady::time_point t);

  boost::asio::any_io_executor ex_;
  std::shared_ptr<redis::async_connection> redis_;
  producer_options opts_;
  buffer buffer_;
  http_client http_;
  traffic::traffic_generator generator_;
  probe probe_;

  // Generated tails waiting for their seqs (the produce script); pending_since_ is when the
  // oldest of them was generated.
  std::deque<std::string> pending_;
  steady::time_point pending_since_{};

  // Every seq <= produced_till_ is (or was) buffered; every seq <= cursor_ has been read from
  // the buffer for sending in this run. epoch_ changes when the seq counter goes back (a reset
  // of the whole system), so a read started before it is dropped, a batch read before it is
  // abandoned and an ACK of a batch read before it trims nothing.
  std::int64_t produced_till_ = 0;
  // Entries in buffer:{svc}, as of the last depth read plus what was appended since; drives
  // the max_buffer stop. buffer_full_: generation is held back.
  std::int64_t buffered_ = 0;
  bool buffer_full_ = false;
  std::int64_t cursor_ = 0;
  std::uint64_t epoch_ = 0;
  // The sequence space's id, sent as producerId (docs/PROTOCOL.md, "Producer ids"); owned_:
  // the backend accepted a batch of it; renumbering_: its seqs are being moved (after a 409),
  // so nothing is read or produced; fenced_: another producer took the space over.
  std::string producer_id_;
  bool owned_ = false, renumbering_ = false, fenced_ = false;
  int in_flight_ = 0;  // send_batch coroutines alive
  int tasks_ = 0;      // generate_loop and publish_loop alive
  int rescans_ = 0;    // drain rounds that sent the remaining buffer again

  bool stopping_ = false, aborted_ = false, generation_done_ = false, finished_ = false;
  steady::time_point drain_deadline_{};

  backoff send_backoff_;
  backoff redis_backoff_;
  steady::time_point redis_retry_at_{};

  boost::asio::steady_timer wake_;                 // the dispatcher (then run()) waits here
  boost::asio::steady_timer tick_;                 // the generator's pace
  boost::asio::steady_timer publish_timer_;        // the state publisher's pace
  std::set<boost::asio::steady_timer*> sleeping_;  // back-off waits, cut short by abort()
};

}  // namespace tracehub::producer
