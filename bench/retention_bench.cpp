// tracehub-retention-bench: does removing expired chunks slow ingest down? (BENCHMARKS.md,
// "Retention: ingest while chunks are removed".)
//
// On a fresh database of TRACEHUB_TEST_PG_URL (scripts/test-env.sh): every migration, then
// --old-chunks partitions of 1 minute in the past, each holding --chunk-rows rows. --writers
// threads then write as the queue worker does — transactions of 32 000 rows (64 batches of
// 500), COPY of queue::stored_columns rendered by the worker's own functions, ingested now —
// without pause, while the run alternates two phases of the same length:
//   quiet   nothing else happens;
//   drops   retention::drop_expired removes old chunks back to back (each: its end recorded,
//           DETACH PARTITION ... CONCURRENTLY, its highest seqs recorded, DROP TABLE), exactly
//           as the backend's maintainer does.
// The rows committed in each phase give its ingest rate; the ratio drops / quiet is the figure
// (issue 15: within 10 %). Phases alternate (quiet first, then drops, --rounds times), so drift
// on the shared machine falls on both.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "backend/base/clock.h"
#include "backend/pg/connection.h"
#include "backend/pg/migrate.h"
#include "backend/queue/copy_row.h"
#include "backend/retention/partitions.h"
#include "backend/testing/pg_database.h"
#include "backend/worker/sql.h"

namespace tracehub::bench {
namespace {

using clock_type = std::chrono::steady_clock;

struct bench_options {
  int writers = 2;
  int old_chunks = 30;
  std::int64_t chunk_rows = 100'000;
  int rounds = 3;
  double phase_seconds = 10;
};

void exec(pg::connection& c, const std::string& sql) {
  if (auto s = c.exec(sql); !s) throw std::runtime_error(sql.substr(0, 80) + ": " + c.last_error());
}

std::string text(pg::connection& c, const std::string& sql) {
  auto r = c.query(sql);
  if (!r) throw std::runtime_error(sql.substr(0, 80) + ": " + c.last_error());
  return std::string(r->get(0, 0));
}

// The old chunks: 1-minute partitions ending an hour ago, each with `rows` rows.
void make_old_chunks(pg::connection& c, const bench_options& o) {
  exec(c, "ALTER TABLE logs DETACH PARTITION logs_legacy");
  exec(c, "SELECT logs_drop_detached('logs_legacy')");
  const std::string since = "date_trunc('minute', now()) - interval '1 hour' - " +
                            std::to_string(o.old_chunks) + " * interval '1 minute'";
  exec(c, "SELECT logs_add_partitions(interval '1 minute', " + since + " + " +
              std::to_string(o.old_chunks) + " * interval '1 minute', " + since + ")");
  const auto start = clock_type::now();
  for (int k = 0; k < o.old_chunks; ++k) {
    exec(c,
         "INSERT INTO logs (service, seq, level, message, ts, ingested_at) "
         "SELECT 'old-' || (s % 3), " +
             std::to_string(std::int64_t{k} * o.chunk_rows) +
             " + s, 'info', 'GET /api/v1/orders/ord-' || lpad(s::text, 10, '0') || ' 200 in ' "
             "|| s % 977 || 'ms', now(), " +
             since + " + " + std::to_string(k) +
             " * interval '1 minute' + s * interval '1 microsecond' "
             "FROM generate_series(1, " +
             std::to_string(o.chunk_rows) + ") s");
  }
  exec(c, "VACUUM ANALYZE logs");
  std::printf("  %d chunks of 1 minute, %lld rows each, in the past (%.0f s to load)\n",
              o.old_chunks, static_cast<long long>(o.chunk_rows),
              std::chrono::duration<double>(clock_type::now() - start).count());
}

// One writer: transactions of the worker's size, as fast as Postgres takes them.
class writer {
 public:
  writer(const std::string& url, int id, std::atomic<std::int64_t>& committed,
         std::atomic<bool>& stop)
      : url_(url), id_(id), committed_(committed), stop_(stop) {
    thread_ = std::thread([this] { run(); });
  }
  ~writer() {
    if (thread_.joinable()) thread_.join();
  }
  std::string error;

 private:
  void run() {
    auto c = pg::connection::open(url_);
    if (!c) {
      error = c.error().message();
      return;
    }
    const std::string service = "writer-" + std::to_string(id_);
    std::int64_t seq = 0;
    while (!stop_) {
      std::string rows, stored;
      for (int i = 0; i < 64 * 500; ++i) {
        ++seq;
        std::string message = "POST /api/v1/checkout 201 in " + std::to_string(seq % 977) +
                              "ms user=u-" + std::to_string(seq * 7919 % 1'000'000);
        queue::append_row(
            rows, {service, seq, "info", message, std::nullopt, "2026-11-01T00:00:00.000000Z", ""});
      }
      queue::append_stored_rows(stored, rows, queue::ingested_at_text(now_epoch_ms()));
      status s = c->exec("BEGIN");
      if (s) s = c->copy_in(worker::sql::copy_logs, stored);
      if (s) s = c->exec("COMMIT");
      if (!s) {
        error = c->last_error();
        return;
      }
      committed_ += 64 * 500;
    }
  }

  std::string url_;
  int id_;
  std::atomic<std::int64_t>& committed_;
  std::atomic<bool>& stop_;
  std::thread thread_;
};

int run(const bench_options& o, const std::string& command_line) {
  auto db = testing::pg_database::create();
  auto c = db.connect();
  std::printf("TraceHub retention benchmark: ingest while chunks are removed\n");
  std::printf("  command   %s\n  server    PostgreSQL %s\n", command_line.c_str(),
              text(c, "SHOW server_version").c_str());
  if (auto m = pg::migrate(c, pg::backend_migrations()); !m)
    throw std::runtime_error("migrations: " + c.last_error());
  make_old_chunks(c, o);
  retention::policy current = retention::make_policy(retention::seconds(0));
  current.chunk = retention::seconds(60);
  if (auto r = retention::cover(c, current, now_epoch_ms() + 3'600'000); !r)
    throw std::runtime_error("cover: " + c.last_error());

  std::atomic<std::int64_t> committed{0};
  std::atomic<bool> stop{false};
  std::vector<std::unique_ptr<writer>> writers;
  for (int i = 0; i < o.writers; ++i)
    writers.push_back(std::make_unique<writer>(db.url(), i + 1, committed, stop));
  std::this_thread::sleep_for(std::chrono::seconds(2));  // warm-up: the writers get going

  // Removes one more old chunk per call (the period puts the next one's end past it).
  int removed = 0;
  auto drop_next = [&] {
    if (removed >= o.old_chunks) return false;
    auto end_s = std::stoll(text(c,
                                 "SELECT extract(epoch FROM min(to_at))::bigint FROM "
                                 "logs_partitions() WHERE to_at < now() - interval '30 minutes'"));
    retention::policy p = current;
    p.period = retention::seconds(std::max<std::int64_t>(1, now_epoch_ms() / 1000 - end_s));
    auto r = retention::drop_expired(c, p);
    if (!r) throw std::runtime_error("drop_expired: " + c.last_error());
    removed += r->chunks;
    return r->chunks > 0;
  };

  struct phase {
    bool dropping;
    double seconds;
    std::int64_t rows;
    int chunks;
  };
  std::vector<phase> phases;
  const int per_round = std::max(1, o.old_chunks / o.rounds);
  for (int round = 0; round < o.rounds && removed < o.old_chunks; ++round) {
    for (bool dropping : {false, true}) {
      const auto start = clock_type::now();
      const auto rows0 = committed.load();
      const int removed0 = removed;
      auto elapsed = [&] {
        return std::chrono::duration<double>(clock_type::now() - start).count();
      };
      if (dropping) {
        while (removed - removed0 < per_round && drop_next()) {
        }
      } else {
        while (elapsed() < o.phase_seconds)
          std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the quiet phase's length
      }
      phases.push_back({dropping, elapsed(), committed.load() - rows0, removed - removed0});
      const auto& ph = phases.back();
      std::printf("  round %d %-5s %5.1f s: %8lld rows, %8.0f rows/s, %d chunks removed\n",
                  round + 1, dropping ? "drops" : "quiet", ph.seconds,
                  static_cast<long long>(ph.rows), static_cast<double>(ph.rows) / ph.seconds,
                  ph.chunks);
      std::fflush(stdout);
    }
  }
  stop = true;
  for (const auto& w : writers)
    if (!w->error.empty()) throw std::runtime_error("writer: " + w->error);
  writers.clear();

  double rows[2] = {0, 0}, secs[2] = {0, 0};
  for (const auto& ph : phases) {
    rows[ph.dropping] += static_cast<double>(ph.rows);
    secs[ph.dropping] += ph.seconds;
  }
  const double quiet = rows[0] / secs[0], dropping = rows[1] / secs[1];
  std::printf(
      "\n  quiet: %.0f rows/s; while removing %d chunks (%.1f s in all): %.0f rows/s; "
      "ratio %.3f (%d writers, transactions of 32 000 rows)\n",
      quiet, removed, secs[1], dropping, dropping / quiet, o.writers);
  std::printf("  rows left in logs: %s; logs_expired: %s\n",
              text(c, "SELECT count(*) FROM logs").c_str(),
              text(c, "SELECT string_agg(service || '<=' || expired_till, ', ') FROM logs_expired")
                  .c_str());
  return 0;
}

}  // namespace
}  // namespace tracehub::bench

int main(int argc, char** argv) {
  tracehub::bench::bench_options o;
  CLI::App cli{"ingest while retention removes chunks (run it through scripts/test-env.sh)"};
  cli.add_option("--writers", o.writers, "threads writing as the worker does")
      ->check(CLI::Range(1, 16));
  cli.add_option("--old-chunks", o.old_chunks, "expired partitions to remove")
      ->check(CLI::Range(1, 1000));
  cli.add_option("--chunk-rows", o.chunk_rows, "rows in each")
      ->check(CLI::Range(1LL, 100'000'000LL));
  cli.add_option("--rounds", o.rounds, "quiet + drops phase pairs")->check(CLI::Range(1, 100));
  cli.add_option("--phase-seconds", o.phase_seconds, "length of each phase")
      ->check(CLI::Range(1.0, 3600.0));
  CLI11_PARSE(cli, argc, argv);
  std::string command_line;
  for (int i = 0; i < argc; ++i)
    command_line += (i ? " " : "") + std::string(argv[i]);
  try {
    return tracehub::bench::run(o, command_line);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tracehub-retention-bench: %s\n", e.what());
    return 1;
  }
}
