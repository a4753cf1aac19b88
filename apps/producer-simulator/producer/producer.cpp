#include "producer-simulator/producer/producer.h"

#include <unistd.h>

#include <algorithm>
#include <random>

#include <fmt/format.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "backend/keyspace/keys.h"
#include "producer-simulator/producer/logger.h"
#include "producer-simulator/traffic/render.h"

namespace tracehub::producer {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

constexpr milliseconds generate_tick{20};
constexpr milliseconds rescan_pause{200};

// {"service":"<svc>","producerId":"<id>","batch":[<entries verbatim from the buffer>]}
std::string batch_body(const std::string& service, const std::string& producer_id,
                       const std::vector<buffered_entry>& entries) {
  std::size_t size = 48 + service.size() + producer_id.size();
  for (const auto& e : entries)
    size += e.json.size() + 1;
  std::string body;
  body.reserve(size);
  body += "{\"service\":";
  traffic::append_json_string(body, service);
  if (!producer_id.empty()) {
    body += ",\"producerId\":";
    traffic::append_json_string(body, producer_id);
  }
  body += ",\"batch\":[";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i) body += ',';
    body += entries[i].json;
  }
  body += "]}";
  return body;
}

enum class verdict { acked, retry, rejected, reused };

// 200 is an ACK. No answer, 429, 408 and 5xx (503 unavailable / queue_full) are passing
// conditions: retry. 409 sequence_reused: the seqs belong to another producer (renumber or
// stop, see on_reused). Any other 4xx says the batch itself is wrong: re-sending cannot help.
verdict judge(const http_answer& a) {
  if (a.status == 200) return verdict::acked;
  if (a.status == 409 && parse_reused(a.body)) return verdict::reused;
  if (a.status >= 400 && a.status < 500 && a.status != 429 && a.status != 408)
    return verdict::rejected;
  return verdict::retry;
}

std::string describe(const http_answer& a) {
  if (a.status == 0) return a.timed_out ? "no answer within the timeout" : a.error.message();
  std::string body = a.body.substr(0, 2000);  // a refusal body says what is wrong: keep it
  return fmt::format("HTTP {} {}", a.status, body);
}

// A new sequence space's id: the service, the time and 64 random bits.
std::string fresh_producer_id(const std::string& service) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{}:{}:{:016x}", service.substr(0, 24), now_epoch_ms(), rng());
}

}  // namespace

service_producer::service_producer(asio::any_io_executor ex,
                                   std::shared_ptr<redis::async_connection> redis,
                                   backend_url backend, producer_options opts)
    : ex_(ex),
      redis_(redis),
      opts_(std::move(opts)),
      buffer_(redis, opts_.service),
      http_(ex, std::move(backend), opts_.request_timeout,
            static_cast<std::size_t>(opts_.max_in_flight)),
      generator_(opts_.service, opts_.traffic, opts_.seed),
      send_backoff_(opts_.backoff_min, opts_.backoff_max),
      redis_backoff_(opts_.backoff_min, opts_.backoff_max),
      wake_(ex),
      tick_(ex),
      publish_timer_(ex) {
  http_.set_header("X-TraceHub-Service", opts_.service);
  if (!opts_.ingest_token.empty())
    http_.set_header("Authorization", "Bearer " + opts_.ingest_token);
}

asio::awaitable<void> service_producer::run() {
  tasks_ = 2;
  asio::co_spawn(ex_, generate_loop(), asio::detached);
  asio::co_spawn(ex_, publish_loop(), asio::detached);
  co_await load_high_water();
  co_await dispatch_loop();
  while (in_flight_ > 0)
    co_await wait_for_news(milliseconds(100));
  finished_ = true;
  publish_timer_.cancel();
  while (tasks_ > 0)
    co_await wait_for_news(milliseconds(100));
  co_await publish_state();  // the last word: in_flight 0 and what stays buffered
  log().info("{}: stopped; sent {}, acked {}, rejected batches {}", opts_.service,
             probe_.sent_total(), probe_.acked_total(), probe_.rejected());
}

void service_producer::stop() {
  if (stopping_) return;
  stopping_ = true;
  drain_deadline_ = steady::now() + opts_.drain_timeout;
  tick_.cancel();
  notify();
}

void service_producer::abort() {
  stop();
  aborted_ = true;
  for (auto* t : sleeping_)
    t->cancel();
  notify();
}

// --- generating and buffering ------------------------------------------------------------------

asio::awaitable<void> service_producer::generate_loop() {
  while (!stopping_) {
    tick_.expires_after(generate_tick);
    boost::system::error_code ec;  // cancelled by stop(): the loop condition ends it
    co_await tick_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (stopping_) break;
    auto now = steady::now();
    take_generated(now);
    if (flush_due(now)) co_await flush_pending();
  }
  // What was generated but has no seq yet gets one more chance; what gets a seq is sent by
  // the drain, what does not was never written anywhere and is simply not a log.
  if (!pending_.empty() && !aborted_) co_await flush_pending();
  generation_done_ = true;
  --tasks_;
  notify();
}

void service_producer::take_generated(steady::time_point now) {
  auto events = generator_.generate_until(now, now_epoch_ms());
  if (events.empty()) return;
  bool full = buffered_ + static_cast<std::int64_t>(pending_.size()) >= opts_.max_buffer;
  if (full != buffer_full_) {
    buffer_full_ = full;
    if (full) {
      log().warn(
          "{}: buffer:{{{}}} holds {} entries (--max-buffer): producing nothing until "
          "ACKs trim it",
          opts_.service, opts_.service, buffered_);
    } else {
      log().info("{}: buffer below --max-buffer again; producing", opts_.service);
    }
  }
  if (full) {
    // Not produced: these logs never get a seq, so they are not logs of this service.
    probe_.held_back(static_cast<std::int64_t>(events.size()));
    return;
  }
  probe_.generated(static_cast<std::int64_t>(events.size()), now);
  if (pending_.empty()) pending_since_ = now;
  for (const auto& e : events)
    pending_.push_back(traffic::render_tail(e));
  if (pending_.size() > opts_.max_unsequenced) {
    auto excess = pending_.size() - opts_.max_unsequenced;
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(excess));
    probe_.unsequenced_dropped(static_cast<std::int64_t>(excess));
  }
}

bool service_producer::flush_due(steady::time_point now) const {
  if (pending_.empty() || now < redis_retry_at_) return false;
  return pending_.size() >= opts_.batch_size || now - pending_since_ >= opts_.flush_interval;
}

// Hands the pending tails to the produce script in chunks of batch_size; stops at the first
// failure, keeping the rest (and that chunk) pending.
asio::awaitable<void> service_producer::flush_pending() {
  while (!pending_.empty() && !renumbering_) {
    auto n = std::min(pending_.size(), opts_.batch_size);
    std::vector<std::string> chunk(pending_.begin(),
                                   pending_.begin() + static_cast<std::ptrdiff_t>(n));
    auto first = co_await buffer_.append(std::move(chunk), fresh_producer_id(opts_.service));
    if (!first) {
      // A timed-out call may have been applied: its entries are then buffered under seqs
      // this run will still read (they are below the next produced_till_), and the tails
      // get other seqs too. Logged twice, never lost.
      redis_failed(first.error(), "produce");
      co_return;
    }
    if (redis_backoff_.succeeded()) log().info("{}: redis reachable again", opts_.service);
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
    buffered_ += static_cast<std::int64_t>(n);
    note_produced(first->first, static_cast<std::int64_t>(n), first->producer_id);
  }
}

void service_producer::note_produced(std::int64_t first, std::int64_t count,
                                     const std::string& producer_id) {
  if (producer_id != producer_id_) {
    // A new sequence space (the counter started from 1): nothing of it is acknowledged yet.
    producer_id_ = producer_id;
    owned_ = false;
  }
  if (first <= produced_till_) {
    log().warn("{}: seq counter went back from {} to {} (state reset?): following it",
               opts_.service, produced_till_, first);
    cursor_ = first - 1;
    ++epoch_;
    probe_.new_epoch();
  }
  produced_till_ = first + count - 1;
  notify();
}

// --- sending -----------------------------------------------------------------------------------

// Where the buffer's seqs end: everything up to it that is still buffered (an earlier run's
// unacknowledged entries) is sent before new traffic.
asio::awaitable<void> service_producer::load_high_water() {
  while (!given_up()) {
    auto last = co_await buffer_.last_seq();
    auto id = co_await buffer_.producer_id();
    if (last && id) {
      produced_till_ = std::max(produced_till_, *last);
      producer_id_ = *id;  // "" for a buffer from before producer ids: sent without one
      auto depth = co_await buffer_.depth();
      if (*last > 0)
        log().info("{}: resuming after seq {}; {} entries buffered from before are sent first",
                   opts_.service, *last, depth ? *depth : -1);
      co_return;
    }
    redis_failed(last ? id.error() : last.error(), "read seq");
    co_await sleep_until(redis_retry_at_);
  }
}

asio::awaitable<void> service_producer::dispatch_loop() {
  while (!aborted_) {
    if (given_up()) {
      log().warn(
          "{}: drain deadline passed ({} batches in flight); what is not acknowledged "
          "stays buffered for the next run",
          opts_.service, in_flight_);
      abort();
      co_return;
    }
    auto now = steady::now();
    bool can_read = now >= redis_retry_at_ && !renumbering_;
    if (in_flight_ < opts_.max_in_flight && cursor_ < produced_till_ && can_read) {
      co_await dispatch_next();
      continue;
    }
    if (stopping_ && generation_done_ && in_flight_ == 0 && cursor_ >= produced_till_) {
      if (co_await drained()) co_return;
      continue;
    }
    auto limit = opts_.flush_interval;
    if (!can_read) limit = std::min(limit, std::chrono::ceil<milliseconds>(redis_retry_at_ - now));
    co_await wait_for_news(limit);
  }
}

// Reads the next batch from the buffer and starts sending it.
asio::awaitable<void> service_producer::dispatch_next() {
  auto epoch = epoch_;
  auto till = produced_till_;
  auto entries = co_await buffer_.read(cursor_, till, opts_.batch_size);
  if (!entries) {
    redis_failed(entries.error(), "read buffer");
    co_return;
  }
  if (epoch != epoch_) co_return;  // the seq counter was reset meanwhile: read again
  if (entries->empty()) {
    cursor_ = std::max(cursor_, till);  // acknowledged already (re-sent by an earlier run)
    co_return;
  }
  cursor_ = entries->back().seq;
  ++in_flight_;
  probe_.in_flight(in_flight_);
  asio::co_spawn(ex_, send_batch(std::move(*entries), epoch, producer_id_), asio::detached);
}

// After stop(), once everything read was sent: done when the buffer is empty. Entries can
// remain that an ACK listed as missing while an earlier batch was still on its way; sending
// them again closes the gaps (or is absorbed as duplicates) and the ACKs trim them.
asio::awaitable<bool> service_producer::drained() {
  auto depth = co_await buffer_.depth();
  if (depth && *depth == 0) co_return true;
  if (steady::now() >= drain_deadline_) {
    log().warn("{}: drain deadline passed; {} entries stay buffered for the next run",
               opts_.service, depth ? *depth : -1);
    co_return true;
  }
  if (!depth) {
    redis_failed(depth.error(), "buffer depth");
    co_await sleep_until(std::min(redis_retry_at_, drain_deadline_));
    co_return false;
  }
  if (rescans_++ > 0) co_await sleep_until(steady::now() + rescan_pause);
  if (auto last = co_await buffer_.last_seq(); last)
    produced_till_ = std::max(produced_till_, *last);
  log().debug("{}: draining: sending the {} entries still buffered again", opts_.service, *depth);
  cursor_ = 0;
  co_return false;
}

// Sends one batch until it is acknowledged, refused, abandoned or the producer aborts. The
// body is kept in memory for the retries; before each retry the batch must still belong to the
// current epoch (fate_of): once a reset has cleared the state its entries are gone from the
// buffer, and sending them would plant the old epoch's seqs in the new one.
asio::awaitable<void> service_producer::send_batch(std::vector<buffered_entry> entries,
                                                   std::uint64_t epoch, std::string producer_id) {
  const auto body = batch_body(opts_.service, producer_id, entries);
  const auto first = entries.front().seq, last = entries.back().seq;
  const auto count = static_cast<std::int64_t>(entries.size());
  entries.clear();
  probe_.batch_sent(count);
  bool checked = true;  // just read from the buffer, in `epoch`
  while (!aborted_) {
    if (!checked) {
      auto fate = co_await fate_of(epoch);
      if (fate == batch_fate::stale) {
        log().info("{}: batch {}..{} abandoned: the state was reset since it was read",
                   opts_.service, first, last);
        probe_.batch_abandoned();
        break;
      }
      if (fate == batch_fate::unknown) {
        co_await sleep_until(redis_retry_at_);
        continue;
      }
    }
    checked = false;
    auto a = co_await http_.post_json("/ingest", body);
    auto v = judge(a);
    if (v == verdict::acked && co_await settle_ack(a, count, epoch, producer_id)) break;
    if (v == verdict::reused) {
      co_await on_reused(*parse_reused(a.body), epoch, producer_id, first, last);
      break;
    }
    if (v == verdict::rejected) {
      log().error(
          "{}: batch {}..{} REJECTED by the backend: {} — this is a bug; the batch "
          "stays in the buffer and is not re-sent",
          opts_.service, first, last, describe(a));
      probe_.batch_rejected();
      break;
    }
    probe_.send_failed();
    auto step = send_backoff_.failed(steady::now());
    if (step.new_step)
      log().warn(
          "{}: sending to the backend failed ({}); retrying in {} ms, entries stay "
          "buffered",
          opts_.service, describe(a), step.delay.count());
    co_await sleep_until(step.retry_at);
  }
  --in_flight_;
  probe_.in_flight(in_flight_);
  notify();
}

// Whether a batch read in `epoch` may still be sent. Stale when the producer has followed a
// reset already (epoch_ moved on) or the seq counter is below what this epoch produced: the
// reset deleted it and the producer has not produced since. The backend refuses batches
// (503) for a while around a reset, so a batch checked here just before one is refused and
// checked again. Unknown when Redis cannot be asked: wait, do not send blind.
asio::awaitable<service_producer::batch_fate> service_producer::fate_of(std::uint64_t epoch) {
  if (epoch != epoch_) co_return batch_fate::stale;
  auto counter = co_await buffer_.last_seq();
  if (!counter) {
    redis_failed(counter.error(), "read seq");
    co_return batch_fate::unknown;
  }
  if (epoch != epoch_ || *counter < produced_till_) co_return batch_fate::stale;
  co_return batch_fate::current;
}

// Applies a 200: trims the buffer as the ACK allows. Returns false when the body is no ACK (a
// proxy's page, a bug): the batch is then retried. An ACK of a batch read in an earlier epoch
// trims nothing: its ackTill counts the old epoch's seqs.
asio::awaitable<bool> service_producer::settle_ack(const http_answer& a, std::int64_t entries,
                                                   std::uint64_t epoch,
                                                   const std::string& producer_id) {
  auto ack = parse_ack(a.body);
  if (!ack) {
    log().error("{}: 200 without an ACK: {}", opts_.service, a.body.substr(0, 200));
    co_return false;
  }
  if (send_backoff_.succeeded()) log().info("{}: backend reachable again", opts_.service);
  if (epoch != epoch_) {
    log().info("{}: ACK (ackTill {}) of a batch from before a reset: nothing trimmed",
               opts_.service, ack->ack_till);
    co_return true;
  }
  probe_.batch_acked(entries, ack->ack_till);
  if (producer_id == producer_id_) owned_ = true;  // the backend knows this space as ours
  // The reset may land between this check and the script: the script checks the counter
  // again, atomically with the trim. In this epoch the counter is >= produced_till_ and
  // >= every ackTill; after a reset it restarted at 1 and is far below (unless the old epoch
  // was shorter than what the new one produced in one round trip).
  auto floor = std::max(ack->ack_till, produced_till_);
  auto trimmed = co_await buffer_.trim(trimmable(*ack), floor);
  // Not trimmed now, trimmed by a later ACK (each covers every seq up to its ackTill) or
  // re-sent by the drain or the next run: harmless duplicates.
  if (!trimmed) log().debug("{}: trim failed: {}", opts_.service, trimmed.error().message());
  if (trimmed && *trimmed == trim_refused)
    log().info("{}: ACK (ackTill {}) arrived after a reset: nothing trimmed", opts_.service,
               ack->ack_till);
  co_return true;
}

// A 409 sequence_reused (docs/PROTOCOL.md, "Producer ids"): the backend holds seqs up to
// `ack_till` from another sequence space, so this batch's seqs would be counted as duplicates
// and never stored. A space the backend never accepted from us (our counter started again
// from 1 while the backend kept the service's state) is renumbered: every buffered seq moves up
// by ack_till, and everything is sent again under the same id, which then owns the seqs above
// ack_till. A space it did accept has been taken over by another producer of this service:
// re-sending could store logs twice, so this producer stops and keeps its buffer.
asio::awaitable<void> service_producer::on_reused(std::int64_t ack_till, std::uint64_t epoch,
                                                  const std::string& producer_id,
                                                  std::int64_t first, std::int64_t last) {
  probe_.sequence_reused();
  if (epoch != epoch_ || producer_id != producer_id_) {
    probe_.batch_abandoned();  // renumbered (or reset) since it was read: sent again anew
    co_return;
  }
  if (owned_) {
    log().error(
        "{}: batch {}..{} refused: another producer took over this service's seqs (backend "
        "ackTill {}); stopping, {} entries stay buffered",
        opts_.service, first, last, ack_till, buffered_);
    fenced_ = true;
    abort();
    co_return;
  }
  // Nothing else is read, produced or renumbered until this is done; batches in flight of the
  // old numbering are abandoned (new epoch).
  renumbering_ = true;
  ++epoch_;
  probe_.new_epoch();
  auto moved = co_await buffer_.renumber(producer_id, ack_till);
  renumbering_ = false;
  if (!moved) {
    redis_failed(moved.error(), "renumber");
    cursor_ = 0;  // read again: the next refusal renumbers
  } else if (*moved >= 0) {
    log().warn(
        "{}: seqs {}..{} were refused as another producer's (the backend holds this service "
        "up to {}; our counter must have started again): renumbered the buffer after {} and "
        "sending it again",
        opts_.service, first, last, ack_till, ack_till);
    produced_till_ += ack_till;
    cursor_ = ack_till;
  } else {
    cursor_ = 0;  // the space changed meanwhile: read the buffer again
  }
  notify();
}

// --- state -------------------------------------------------------------------------------------

asio::awaitable<void> service_producer::publish_loop() {
  while (!finished_) {
    co_await publish_state();
    if (finished_) break;
    publish_timer_.expires_after(opts_.state_interval);
    boost::system::error_code ec;  // cancelled when run() finishes
    co_await publish_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  --tasks_;
  notify();
}

// HSET producer:{svc} with every published field (a plain function: GCC 12 mis-warns about
// coroutine frames holding large arrays).
std::vector<std::string> service_producer::state_command(const std::string& key,
                                                         std::int64_t depth) {
  namespace field = keyspace::producer_field;
  const std::pair<std::string_view, std::string> fields[] = {
      {field::buffer_depth, std::to_string(depth)},
      {field::last_ack_till, std::to_string(probe_.last_ack_till())},
      {field::in_flight, std::to_string(in_flight_)},
      {field::send_errors, std::to_string(probe_.send_errors())},
      {field::rejected, std::to_string(probe_.rejected())},
      {field::abandoned, std::to_string(probe_.abandoned())},
      {field::rate_eps, fmt::format("{:.1f}", probe_.rate_eps(steady::now()))},
      {field::sent_total, std::to_string(probe_.sent_total())},
      {field::acked_total, std::to_string(probe_.acked_total())},
      {field::unsequenced_dropped, std::to_string(probe_.unsequenced_dropped())},
      {field::buffer_full, buffer_full_ ? "1" : "0"},
      {field::max_buffer, std::to_string(opts_.max_buffer)},
      {field::held_back, std::to_string(probe_.held_back())},
      {field::sequence_reused, std::to_string(probe_.sequence_reused_count())},
      {field::fenced, fenced_ ? "1" : "0"},
      {field::producer_id, producer_id_},
      {field::updated_at_ms, std::to_string(now_epoch_ms())},
      {field::pid, std::to_string(::getpid())},
  };
  std::vector<std::string> hset{"HSET", key};
  for (const auto& [name, value] : fields) {
    hset.emplace_back(name);
    hset.push_back(value);
  }
  return hset;
}

asio::awaitable<void> service_producer::publish_state() {
  auto depth = co_await buffer_.depth();
  if (depth) buffered_ = *depth;
  auto key = keyspace::producer(opts_.service);
  auto hset = state_command(key, depth ? *depth : -1);
  std::vector<std::string> expire{"EXPIRE", key, std::to_string(opts_.state_ttl.count())};
  std::vector<std::vector<std::string>> commands{std::move(hset), std::move(expire)};
  auto r = co_await pipelined(redis_, std::move(commands));
  // A missed update is repaired by the next one a second later; the hash expiring while
  // Redis is unreachable is the truth (nobody can see us).
  if (!r) log().debug("{}: publishing state failed: {}", opts_.service, r.error().message());
}

// --- waiting -----------------------------------------------------------------------------------

bool service_producer::given_up() const {
  return aborted_ || (stopping_ && steady::now() >= drain_deadline_);
}

void service_producer::redis_failed(const error_code& ec, const char* what) {
  auto step = redis_backoff_.failed(steady::now());
  redis_retry_at_ = step.retry_at;
  if (step.new_step)
    log().warn("{}: redis {} failed ({}); retrying in {} ms", opts_.service, what, ec.message(),
               step.delay.count());
}

asio::awaitable<void> service_producer::wait_for_news(milliseconds limit) {
  wake_.expires_after(std::max(limit, milliseconds(1)));
  boost::system::error_code ec;  // cancelled by notify(): news
  co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<void> service_producer::sleep_until(steady::time_point t) {
  if (aborted_) co_return;
  asio::steady_timer timer(ex_, t);
  sleeping_.insert(&timer);
  boost::system::error_code ec;  // cancelled by abort()
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  sleeping_.erase(&timer);
}

}  // namespace tracehub::producer
