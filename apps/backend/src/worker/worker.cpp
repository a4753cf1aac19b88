#include "worker/worker.h"

#include <csignal>

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

// The body of the worker thread: one pass of `step` at a time until stopped.
class loop {
 public:
  loop(const options& opts, probe& p, const std::atomic<bool>& stopping)
      : opts_(opts),
        probe_(p),
        stopping_(stopping),
        writer_(opts.database_url),
        backoff_(opts.backoff_min, opts.backoff_max) {}

  void run() {
    while (!stopping_) {
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

  status commit(std::string_view key, std::vector<entry> entries) {
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
  pg_writer writer_;
  backoff backoff_;
  std::optional<stream> stream_;
  bool resume_own_ = true;
  bool pg_failing_ = false;
  steady::time_point next_claim_{};
};

}  // namespace

worker::worker(options opts, std::shared_ptr<tracehub::worker::probe> probe)
    : opts_(std::move(opts)), probe_(std::move(probe)) {}

worker::~worker() {
  stop();
}

void worker::start() {
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void worker::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void worker::run() {
  log().info("worker {} started", opts_.consumer);
  loop(opts_, *probe_, stopping_).run();
  log().info("worker {} stopped", opts_.consumer);
}

}  // namespace tracehub::worker
