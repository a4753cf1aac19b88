#include "backend/worker/worker.h"

#include <csignal>

#include "backend/base/backoff.h"
#include "backend/base/clock.h"
#include "backend/pg/errc.h"
#include "backend/queue/copy_row.h"
#include "backend/queue/keys.h"
#include "backend/redis/sync_connection.h"
#include "backend/worker/logger.h"
#include "backend/worker/pg_writer.h"
#include "backend/worker/prefetch.h"
#include "backend/worker/stream.h"

namespace tracehub::worker {

namespace keys = queue::keys;

namespace {

constexpr std::size_t max_log_events = 200;  // log:new per transaction
constexpr int max_retry_failures = 3;        // then queue:retry entries are isolated row by row

// Thrown inside the loop by the crash_worker fault; unwinds the thread without cleanup of
// the queue state (pending entries stay pending), like a killed process.
struct crashed {};

struct controls {
  const std::atomic<bool>& stopping;
  const std::atomic<bool>& crashing;
  pause_gate& gate;
};

// The body of the worker thread: one pass of `step` at a time until stopped.
class loop {
 public:
  loop(const options& opts, probe& p, controls c)
      : opts_(opts),
        probe_(p),
        stopping_(c.stopping),
        c_(c),
        writer_(opts.database_url, opts.partitions),
        read_ahead_(opts.redis, opts.consumer, opts.read_count, opts.block),
        backoff_(opts.backoff_min, opts.backoff_max) {}

  void run() {
    while (!stopping_) {
      if (c_.crashing) throw crashed{};
      beat();
      // Held (reset, flush_queue): nothing read ahead may be written after the hold.
      if (c_.gate.asked()) forget_read_ahead();
      if (c_.gate.held()) continue;
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
    finish_read_ahead();
  }

 private:
  bool connect() {
    forget_read_ahead();
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
    next_retry_ = {};
    next_beat_ = {};
    beat();  // alive from the first moment, not a second later
    return true;
  }

  // One transaction's worth of work, in this order: queue:retry while Postgres is down (nothing
  // else can succeed); this consumer's own pending entries of both streams (read before a crash
  // or restart, never acknowledged); queue:retry when its back-off is due; entries other
  // consumers left pending on either stream; new entries of queue:logs.
  status step() {
    if (pg_down_) return retry_step();
    if (resume_own_) {
      for (auto key : {keys::retry, keys::logs}) {
        auto own = stream_->read(key, opts_.read_count, opts_.block, true);
        if (!own) return own.error();
        if (own->empty()) continue;
        probe_.redelivered();
        return commit(key, std::move(*own));
      }
      resume_own_ = false;
      return {};
    }
    if (steady::now() >= next_retry_) return retry_step();
    if (steady::now() >= next_claim_) {
      next_claim_ = steady::now() + opts_.claim_idle / 4;
      for (auto key : {keys::retry, keys::logs}) {
        auto claimed = stream_->claim(key, opts_.read_count, opts_.claim_idle);
        if (!claimed) return claimed.error();
        if (claimed->empty()) continue;
        log().info("claimed {} entries of {} left pending by another worker", claimed->size(), key);
        probe_.redelivered();
        return commit(key, std::move(*claimed));
      }
    }
    // New entries: the group read ahead while the last one was written (or read now), and the
    // next group is read while this one is written.
    auto fresh = read_ahead_.take();
    if (!fresh) {
      resume_own_ = true;  // the read may have taken entries whose reply was lost
      return fresh.error();
    }
    if (fresh->entries.empty()) return {};
    read_ahead_.start();
    return commit(keys::logs, std::move(fresh->entries), &fresh->rendered);
  }

  // A group read ahead and not written: its entries are pending for this consumer, and are
  // read again as such before anything new.
  void forget_read_ahead() {
    if (read_ahead_.drop()) resume_own_ = true;
  }

  // Stopping: a group already read ahead is written (or held in queue:retry), so a stopped
  // worker leaves nothing pending that it read.
  void finish_read_ahead() {
    if (!stream_) return;
    auto fresh = read_ahead_.pending() ? read_ahead_.take() : result<group>(group{});
    if (!fresh || fresh->entries.empty()) return;
    const auto n = fresh->entries.size();
    if (auto s = commit(keys::logs, std::move(fresh->entries), &fresh->rendered); !s)
      log().warn("{}; {} entries read ahead stay pending", s.error().message(), n);
  }

  // queue:retry: this consumer's pending entries first, then new ones. Found empty, it is looked
  // at again a second later (entries other workers move there, or left there before a restart).
  status retry_step() {
    auto pending = stream_->read(keys::retry, opts_.read_count, opts_.block, true);
    if (!pending) return pending.error();
    if (pending->empty()) {
      pending = stream_->read(keys::retry, opts_.read_count, std::chrono::milliseconds(1), false);
      if (!pending) return pending.error();
    }
    if (pending->empty()) {
      pg_down_ = false;
      next_retry_ = steady::now() + std::chrono::seconds(1);
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

  status commit(std::string_view key, std::vector<entry> entries,
                const rendered_rows* rendered = nullptr) {
    if (c_.crashing) throw crashed{};  // mid-flight: read, not written, not acknowledged
    // Entries of queue:retry that kept failing while Postgres answered: a row of theirs fails
    // for a reason of its own, so each row that still fails alone is dead-lettered.
    bool isolate_transient = key == keys::retry && retry_failures_ >= max_retry_failures;
    auto written = writer_.write(entries, isolate_transient, rendered);
    if (!written) return held(key, entries, written.error());
    probe_.postgres_up(true);
    if (key == keys::retry) retry_failures_ = 0;
    if (opts_.test_crash_after_commit) std::raise(SIGKILL);
    if (auto s = stream_->ack(key, entries); !s) return s;
    probe_.committed(static_cast<std::int64_t>(entries.size()), written->inserted);
    if (!written->dead.empty()) dead_lettered(written->dead);
    if (written->expired > 0)
      log().warn("{} rows of {} entries not stored: queued before what retention keeps",
                 written->expired, written->expired_entries.size());
    if (opts_.stats) opts_.stats->inserted(written->inserted, now_epoch_ms());
    backoff_.succeeded();
    if (written->inserted > 0) announce(entries, *written);
    return {};
  }

  // The entries could not be written: they wait in queue:retry (moved there from queue:logs
  // with their XACK, atomically). With Postgres down, only queue:retry is tried until it comes
  // back; with Postgres up, the failure is these entries' own, and queue:logs goes on while
  // queue:retry is retried with back-off.
  status held(std::string_view key, const std::vector<entry>& entries, error_code ec) {
    log().warn("postgres: {} ({} entries held in queue:retry)", ec.message(), entries.size());
    if (key == keys::logs) {
      if (auto s = stream_->move_to_retry(entries); !s) return s;
      probe_.moved_to_retry(static_cast<std::int64_t>(entries.size()));
    }
    bool up = writer_.reachable();
    probe_.postgres_up(up);
    auto wait = backoff_.next();
    if (!up) {
      // Only queue:retry is tried until Postgres is back: a group read ahead would wait
      // unacknowledged meanwhile, so it is left pending and resumed afterwards.
      forget_read_ahead();
      pg_down_ = true;
      pause(wait);
      return {};
    }
    if (key == keys::retry) ++retry_failures_;
    next_retry_ = steady::now() + wait;
    return {};
  }

  void dead_lettered(const std::vector<dead_letter>& dead) {
    probe_.dead_lettered(static_cast<std::int64_t>(dead.size()));
    for (const auto& d : dead)
      log().error("dead-lettered {} seq {}: {}", d.service, d.seq, d.reason);
  }

  // log:new for the rows just stored. A redelivered entry whose rows were partly stored before
  // is announced whole: the channel is for watching, the table is the record.
  void announce(const std::vector<entry>& entries, const write_outcome& written) {
    if (!opts_.events) return;
    const auto& dead = written.dead;
    std::vector<queue::log_entry> logs;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const auto& e = entries[i];
      if (logs.size() >= max_log_events) break;
      if (e.deleted || std::ranges::count(written.expired_entries, i) > 0) continue;
      if (dead.empty()) {
        queue::append_log_entries(e.rows, max_log_events, logs);
        continue;
      }
      queue::for_each_row(e.rows, [&](std::string_view row) {
        auto seq = queue::row_seq(row);
        bool refused = std::any_of(dead.begin(), dead.end(), [&](const dead_letter& d) {
          return d.seq == seq && d.service == e.service;
        });
        if (!refused) queue::append_log_entries(row, max_log_events, logs);
      });
    }
    for (auto& e : logs)
      opts_.events->publish(events::log_new(std::move(e)));
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
  prefetcher read_ahead_;
  backoff backoff_;
  std::optional<stream> stream_;
  bool resume_own_ = true;
  bool pg_down_ = false;    // Postgres unreachable: only queue:retry is tried
  int retry_failures_ = 0;  // consecutive failures of queue:retry entries, Postgres up
  steady::time_point next_retry_{};
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
  return gate_.hold(limit, [this] { return running_.load(); });
}

void worker::resume() {
  gate_.release();
}

void worker::run() {
  log().info("worker {} started", opts_.consumer);
  try {
    loop(opts_, *probe_, {stopping_, crashing_, gate_}).run();
    log().info("worker {} stopped", opts_.consumer);
  } catch (const crashed&) {
    log().warn("worker {} crashed (fault injected)", opts_.consumer);
  }
  running_ = false;
}

}  // namespace tracehub::worker
