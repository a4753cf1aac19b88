#include "worker/worker.h"

#include <csignal>

#include "base/clock.h"
#include "pg/errc.h"
#include "queue/keys.h"
#include "redis/sync_connection.h"
#include "worker/log_event.h"
#include "worker/logger.h"
#include "worker/pg_writer.h"
#include "worker/stream.h"

namespace tracehub::worker {

namespace keys = queue::keys;

namespace {

constexpr std::size_t max_log_events = 200;  // log:new per transaction

// Exponential back-off between min and max, reset by success.
class backoff {
 public:
  backoff(std::chrono::milliseconds min, std::chrono::milliseconds max)
      : min_(min), max_(max), next_(min) {}
  std::chrono::milliseconds next() {
    auto d = next_;
    next_ = std::min(next_ * 2, max_);
    return d;
  }
  void reset() { next_ = min_; }

 private:
  std::chrono::milliseconds min_, max_, next_;
};

// Thrown inside the loop by the crash_worker fault; unwinds the thread without cleanup of
// the queue state (pending entries stay pending), like a killed process.
struct crashed {};

struct controls {
  const std::atomic<bool>& stopping;
  const std::atomic<bool>& crashing;
  const std::atomic<bool>& paused;
  std::atomic<bool>& idle;
};

// The body of the worker thread: one pass of `step` at a time until stopped.
class loop {
 public:
  loop(const options& opts, probe& p, controls c)
      : opts_(opts),
        probe_(p),
        stopping_(c.stopping),
        c_(c),
        writer_(opts.database_url),
        backoff_(opts.backoff_min, opts.backoff_max) {}

  void run() {
    while (!stopping_) {
      if (c_.crashing) throw crashed{};
      beat();
      if (c_.paused) {
        c_.idle = true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        continue;
      }
      c_.idle = false;
      if (!stream_ && !connect()) {
        pause(backoff_.next());
        continue;
      }
      auto s = step();
      if (!s) {
        log().warn("{}; retrying", s.error().message());
        if (!stream_->ok()) stream_.reset();
        pause(backoff_.next());
      }
    }
  }

 private:
  bool connect() {
    auto c = redis::sync_connection::open(opts_.redis, opts_.block + std::chrono::seconds(5));
    if (!c) {
      log().warn("redis: {}", c.error().message());
      return false;
    }
    stream_.emplace(std::move(*c), opts_.consumer);
    if (auto s = stream_->ensure_groups(); !s) {
      log().warn("creating consumer groups: {}", s.error().message());
      stream_.reset();
      return false;
    }
    resume_own_ = true;  // a (re)started worker first finishes what it had read
    next_beat_ = {};
    beat();  // alive from the first moment, not a second later
    return true;
  }

  // One transaction's worth of work: retries first while Postgres was failing, then this
  // consumer's own pending entries, then entries abandoned by others, then new ones.
  status step() {
    if (pg_failing_) return retry_step();
    if (resume_own_) {
      auto own = stream_->read(keys::logs, opts_.read_count, opts_.block, true);
      if (!own) return own.error();
      if (own->empty()) {
        resume_own_ = false;
        return {};
      }
      probe_.redelivered();
      return commit(keys::logs, std::move(*own));
    }
    if (steady::now() >= next_claim_) {
      next_claim_ = steady::now() + opts_.claim_idle / 2;
      auto claimed = stream_->claim(keys::logs, opts_.read_count, opts_.claim_idle);
      if (!claimed) return claimed.error();
      if (!claimed->empty()) {
        log().info("claimed {} entries left pending by another worker", claimed->size());
        probe_.redelivered();
        return commit(keys::logs, std::move(*claimed));
      }
    }
    auto fresh = stream_->read(keys::logs, opts_.read_count, opts_.block, false);
    if (!fresh) return fresh.error();
    if (fresh->empty()) return {};
    return commit(keys::logs, std::move(*fresh));
  }

  // Postgres was failing: only queue:retry is tried (own pending first, then new) until an
  // attempt succeeds; queue:logs waits (it grows, durably, meanwhile).
  status retry_step() {
    auto pending = stream_->read(keys::retry, opts_.read_count, opts_.block, true);
    if (!pending) return pending.error();
    if (pending->empty()) {
      pending = stream_->read(keys::retry, opts_.read_count, std::chrono::milliseconds(1), false);
      if (!pending) return pending.error();
    }
    if (pending->empty()) {
      pg_failing_ = false;
      return {};
    }
    return commit(keys::retry, std::move(*pending));
  }

  // Every second or so, workers:heartbeat learns this worker is alive.
  void beat() {
    if (!stream_ || steady::now() < next_beat_) return;
    next_beat_ = steady::now() + std::chrono::seconds(1);
    if (auto s = stream_->beat(now_epoch_ms()); !s)
      log().debug("heartbeat: {}", s.error().message());
  }

  status commit(std::string_view key, std::vector<entry> entries) {
    if (c_.crashing) throw crashed{};  // mid-flight: read, not written, not acknowledged
    auto inserted = writer_.write(entries);
    if (!inserted) {
      probe_.postgres_up(false);
      log().warn("postgres: {} ({} entries held)", inserted.error().message(), entries.size());
      if (key == keys::logs) {
        if (auto s = stream_->move_to_retry(entries); !s) return s;
        probe_.moved_to_retry(static_cast<std::int64_t>(entries.size()));
      }
      pg_failing_ = true;
      pause(backoff_.next());
      return {};
    }
    probe_.postgres_up(true);
    if (opts_.test_crash_after_commit) std::raise(SIGKILL);
    if (auto s = stream_->ack(key, entries); !s) return s;
    probe_.committed(static_cast<std::int64_t>(entries.size()), *inserted);
    if (opts_.stats) opts_.stats->inserted(*inserted, now_epoch_ms());
    backoff_.reset();
    if (*inserted > 0) announce(entries);
    return {};
  }

  // log:new for the rows just stored. A redelivered entry whose rows were partly stored before
  // is announced whole: the channel is for watching, the table is the record.
  void announce(const std::vector<entry>& entries) {
    if (!opts_.events) return;
    std::vector<std::string> events;
    for (const auto& e : entries) {
      if (events.size() >= max_log_events) break;
      if (!e.deleted) append_log_entries(e.rows, max_log_events, events);
    }
    for (const auto& json : events)
      opts_.events->publish("log:new", json);
  }

  void pause(std::chrono::milliseconds d) {
    auto until = steady::now() + d;
    while (!stopping_ && steady::now() < until)
      std::this_thread::sleep_for(
          std::min<steady::duration>(until - steady::now(), std::chrono::milliseconds(50)));
  }

  using steady = std::chrono::steady_clock;
  const options& opts_;
  probe& probe_;
  const std::atomic<bool>& stopping_;
  controls c_;
  pg_writer writer_;
  backoff backoff_;
  std::optional<stream> stream_;
  bool resume_own_ = true;
  bool pg_failing_ = false;
  steady::time_point next_claim_{};
  steady::time_point next_beat_{};
};

}  // namespace

worker::worker(options opts, std::shared_ptr<tracehub::worker::probe> probe)
    : opts_(std::move(opts)), probe_(std::move(probe)) {}

worker::~worker() {
  stop();
}

void worker::start() {
  if (thread_.joinable()) thread_.join();  // a crashed thread: already finished
  stopping_ = false;
  crashing_ = false;
  running_ = true;
  thread_ = std::thread([this] { run(); });
}

void worker::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void worker::crash() {
  crashing_ = true;
}

bool worker::pause(std::chrono::milliseconds limit) {
  idle_ = false;
  paused_ = true;
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (running_ && !idle_) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

void worker::resume() {
  paused_ = false;
}

void worker::run() {
  log().info("worker {} started", opts_.consumer);
  try {
    loop(opts_, *probe_, {stopping_, crashing_, paused_, idle_}).run();
    log().info("worker {} stopped", opts_.consumer);
  } catch (const crashed&) {
    log().warn("worker {} crashed (fault injected)", opts_.consumer);
  }
  running_ = false;
}

}  // namespace tracehub::worker
