// tracehub-bench: the end-to-end benchmark of issue 2 item 6 (see BENCHMARKS.md).
//
// For each K of --producers (default 1,4,16), one after the other: a fresh Postgres database and
// a flushed Redis database (from
// TRACEHUB_TEST_PG_URL / TRACEHUB_TEST_REDIS_URL, as scripts/test-env.sh exports them), the real
// backend binary — one process with every role, or --api N and --workers M processes as
// `./start.sh up --api N --workers M` runs them — K producers posting batches at full speed for
// --seconds (to the API processes in turn); then the time until Postgres holds every accepted
// row; then, on the idle pipeline, a probe of --event-seconds whose log:new events are timed at
// a Socket.IO client of each process (bench/event_watch.h); the backend's peak and final RSS;
// then raw COPYs of the same rows, text and binary (queue/copy_binary.h), into an empty copy of
// `logs` as the baselines. Prints plain aligned text, a one-line summary per K, and at the end a
// table with one line per K.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "backend/pg/connection.h"
#include "backend/queue/keys.h"
#include "backend/redis/endpoint.h"
#include "backend/redis/sync_connection.h"
#include "backend/testing/backend_process.h"
#include "backend/testing/http_client.h"
#include "backend/testing/pg_database.h"
#include "backend/worker/worker.h"
#include "bench/copy_baseline.h"
#include "bench/cpu_meter.h"
#include "bench/event_watch.h"
#include "bench/producers.h"
#include "bench/workload.h"

namespace tracehub::bench {
namespace {

struct bench_options {
  std::vector<std::size_t> producers = {1, 4, 16};  // one run of the pipeline per K
  std::int64_t batch = 500;
  int seconds = 10;
  std::size_t services = 0;  // 0: as many as producers
  int api = 0;               // API processes; 0 (with workers 0): one process with every role
  int workers = 0;           // worker processes
  int worker_threads = 1;    // queue workers in each process that has them
  int event_seconds = 3;     // the idle event probe; 0: none
  int redis_db = 12;
  int drain_timeout_s = 600;
  std::size_t readers = 0;  // GET /logs loops running in every other 10 s slice
  double rate = 0;          // logs/s over all producers; 0: full speed
};

// Readers hammering the query routes in every other slice of the window: ingest while they are
// at work is compared with ingest while none of their requests is in the backend (issue 12:
// queries never hurt ingest). Alternating slices, rather than a first half without and a second
// half with, because the pipeline itself drifts through a window (the queue fills, the workers
// catch up) and the machine is shared: both sides of the comparison then see the same drift.
// A slice without readers counts as quiet only once their last request has been answered; the
// first slice (warm-up) counts on neither side. Use a window of a minute or more.
class readers {
 public:
  static constexpr auto slice = std::chrono::seconds(10);
  static constexpr auto tick = std::chrono::milliseconds(10);

  readers(unsigned short port, std::size_t n, steady::time_point start) : start_(start) {
    for (std::size_t i = 0; i < n; ++i)
      threads_.emplace_back([this, port, i] {
        testing::http_client c(port);
        const char* routes[] = {"/logs?limit=100", "/logs?level=error&limit=100", "/sim-events",
                                "/replays", "/lost"};
        for (std::size_t k = i; !stop_;) {
          const auto now = steady::now();
          if (!in_reading_slice(now)) {
            // Until the next slice with readers: a schedule, not a synchronisation.
            const auto next = start_ + ((now - start_) / slice + 1) * slice;
            std::this_thread::sleep_until(std::min(next, now + std::chrono::milliseconds(50)));
            continue;
          }
          ++in_flight_;
          auto r = c.get(routes[k++ % 5]);
          --in_flight_;
          (r.status == 200 ? answered_ : refused_)++;
          // Refused (503 busy or timeout, Retry-After: 1): as a polite client, wait that long.
          if (r.status == 503) std::this_thread::sleep_for(std::chrono::seconds(1));
        }
      });
    sampler_ = std::thread([this] {
      for (auto t = start_; !stop_; t += tick) {
        std::this_thread::sleep_until(t);  // a sampling schedule
        std::lock_guard lock(mutex_);
        // The first slice is the pipeline's warm-up (the queue still filling): counted on
        // neither side.
        busy_.push_back(t < start_ + slice ? -1 : (in_reading_slice(t) || in_flight_ > 0));
      }
    });
  }
  ~readers() { stop(); }
  void stop() {
    stop_ = true;
    for (auto& t : threads_)
      if (t.joinable()) t.join();
    if (sampler_.joinable()) sampler_.join();
  }
  // Whether readers were at work at `t` (after stop(); nullopt outside the sampled span and in
  // the warm-up slice).
  std::optional<bool> busy_at(steady::time_point t) const {
    if (t < start_) return std::nullopt;
    const auto i = static_cast<std::size_t>((t - start_) / tick);
    if (i >= busy_.size() || busy_[i] < 0) return std::nullopt;
    return busy_[i] == 1;
  }
  std::int64_t answered() const { return answered_; }
  std::int64_t refused() const { return refused_; }

 private:
  bool in_reading_slice(steady::time_point t) const {
    return t >= start_ && ((t - start_) / slice) % 2 == 1;
  }

  steady::time_point start_;
  std::atomic<bool> stop_{false};
  std::atomic<int> in_flight_{0};
  std::atomic<std::int64_t> answered_{0}, refused_{0};
  std::vector<std::thread> threads_;
  std::thread sampler_;
  std::mutex mutex_;
  std::vector<signed char> busy_;  // one per tick from start_: 1 at work, 0 quiet, -1 warm-up
};

std::string require_env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0')
    throw std::runtime_error(std::string(name) +
                             " is not set; run through ./start.sh bench or scripts/test-env.sh");
  return v;
}

// A fresh database bench_<random> on the admin server, dropped (WITH FORCE) on destruction.
class bench_database {
 public:
  explicit bench_database(std::string admin_url) : admin_url_(std::move(admin_url)) {
    std::random_device seed;
    name_ = "bench_" + std::to_string(std::uniform_int_distribution<std::uint32_t>()(seed));
    auto admin = open(admin_url_);
    if (auto s = admin.exec("CREATE DATABASE " + name_); !s)
      throw std::runtime_error("CREATE DATABASE " + name_ + ": " + admin.last_error());
    url_ = testing::with_database(admin_url_, name_);
  }
  ~bench_database() {
    auto admin = pg::connection::open(admin_url_);
    // Best effort: the server is a throwaway one (scripts/test-env.sh) in the normal use.
    if (admin) (void)admin->exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  }
  bench_database(const bench_database&) = delete;
  bench_database& operator=(const bench_database&) = delete;

  const std::string& url() const { return url_; }

  static pg::connection open(const std::string& url) {
    auto c = pg::connection::open(url);
    if (!c) throw std::runtime_error("cannot connect to " + url + ": " + c.error().message());
    return std::move(*c);
  }

 private:
  std::string admin_url_, name_, url_;
};

std::int64_t query_int(pg::connection& c, std::string_view sql) {
  auto r = c.query(sql);
  return r ? r->get_int(0, 0) : -1;
}

std::string query_text(pg::connection& c, std::string_view sql) {
  auto r = c.query(sql);
  return r ? std::string(r->get(0, 0)) : "?";
}

// The value of `field` in an INFO reply ("field:value" lines).
std::string info_field(std::string_view info, std::string_view field) {
  std::string key = std::string(field) + ":";
  auto at = info.find(key);
  if (at == std::string_view::npos) return "?";
  auto end = info.find_first_of("\r\n", at);
  return std::string(info.substr(at + key.size(), end - at - key.size()));
}

struct redis_facts {
  std::string url, version;
  pid_t pid = 0;
};

// Selects --redis-db on the test server, empties it, and reads the server's pid and version.
redis_facts prepare_redis(const std::string& base_url, int db) {
  redis_facts f;
  f.url = base_url;
  while (!f.url.empty() && f.url.back() == '/')
    f.url.pop_back();
  f.url += "/" + std::to_string(db);
  auto ep = redis::parse_url(f.url);
  if (!ep) throw std::runtime_error("bad TRACEHUB_TEST_REDIS_URL: " + base_url);
  auto c = redis::sync_connection::open(*ep, std::chrono::seconds(5));
  if (!c) throw std::runtime_error("cannot connect to " + f.url + ": " + c.error().message());
  auto flushed = c->command({"FLUSHDB"});
  if (!flushed || flushed->view().is_error()) throw std::runtime_error("FLUSHDB failed");
  auto info = c->command({"INFO", "server"});
  if (info && !info->view().is_error()) {
    f.version = info_field(info->view().str(), "redis_version");
    f.pid = static_cast<pid_t>(std::atol(info_field(info->view().str(), "process_id").c_str()));
  }
  return f;
}

// Nearest-rank percentile of an ascending vector.
double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with("model name")) return line.substr(line.find(':') + 2);
  return "?";
}

double seconds_between(steady::time_point a, steady::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

void row(const char* label, const std::string& value) {
  std::printf("  %-30s %s\n", label, value.c_str());
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string rate(double per_second) {
  return fmt("%.0f", per_second);
}

// CPU seconds per process over `wall` seconds, as cores used.
std::string cpu_line(const cpu_times& d, double wall) {
  char buf[320];
  std::snprintf(buf, sizeof buf,
                "backend %.2f  redis %.2f  postgres %.2f  bench client %.2f  machine busy %.2f "
                "of %.0f cores; disk writes %.0f MiB/s",
                d.backend / wall, d.redis / wall, d.postgres / wall, d.client / wall,
                d.machine_busy / wall, std::round(d.machine_total / wall),
                d.disk_written_mb / wall);
  return buf;
}

// CPU microseconds per row, per process.
std::string per_row_line(const cpu_times& d, std::int64_t rows) {
  const double n = static_cast<double>(std::max<std::int64_t>(rows, 1)) / 1e6;
  char buf[256];
  std::snprintf(buf, sizeof buf, "backend %.2f  redis %.2f  postgres %.2f  bench client %.2f",
                d.backend / n, d.redis / n, d.postgres / n, d.client / n);
  return buf;
}

struct durable_result {
  std::int64_t rows_at_window_end = 0, queue_at_window_end = 0, rows = 0;
  double seconds = 0;  // from the first request until count(*) reached the accepted total
  bool complete = false;
};

// Waits until SELECT count(*) FROM logs reaches `accepted` (or the timeout). count(*) scans
// millions of rows, and polling it every 100 ms took a sixth of a core from the Postgres the
// worker writes to, so the wait watches XLEN queue:logs (the worker deletes an entry only after
// its COMMIT) every 20 ms and runs count(*) once the queue is empty. The time recorded is when
// the confirming count(*) started: its snapshot already held every row.
durable_result wait_durable(const std::string& db_url, const std::string& redis_url,
                            const producer_results& p, int timeout_s) {
  durable_result d;
  auto c = bench_database::open(db_url);
  auto ep = redis::parse_url(redis_url);
  auto r = ep ? redis::sync_connection::open(*ep, std::chrono::seconds(5))
              : result<redis::sync_connection>(ep.error());
  auto queued = [&]() -> std::int64_t {
    if (!r) return 0;  // no Redis: fall back to polling count(*) alone
    auto n = r->command({"XLEN", queue::keys::logs});
    return n && n->view().is_integer() ? n->view().integer() : 0;
  };
  d.queue_at_window_end = queued();
  d.rows_at_window_end = query_int(c, "SELECT count(*) FROM logs");
  const auto deadline = steady::now() + std::chrono::seconds(timeout_s);
  for (;;) {
    const auto asked = steady::now();
    if (queued() == 0) {
      d.rows = query_int(c, "SELECT count(*) FROM logs");
      if (d.rows >= p.accepted_logs) {
        d.complete = true;
        d.seconds = seconds_between(p.start, asked);
        return d;
      }
    }
    if (asked > deadline) {
      d.seconds = seconds_between(p.start, asked);
      return d;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// The backend processes of one layout: one with every role (api[0]), or N API and M worker
// processes. Workers start first: the API processes find the consumer groups made.
struct backends {
  std::vector<testing::backend_process> api, workers;

  backends(const bench_options& o, const std::string& db_url, const std::string& redis_url) {
    auto options = [&](const char* role, const std::string& consumer) {
      testing::backend_options bo(db_url, redis_url);
      bo.role = role;
      bo.consumer = consumer;
      bo.workers = o.worker_threads;
      return bo;
    };
    if (o.api == 0) {
      api.push_back(testing::backend_process::start(options("all", "bench")));
      return;
    }
    for (int j = 1; j <= o.workers; ++j)
      workers.push_back(
          testing::backend_process::start(options("worker", "bench-w" + std::to_string(j))));
    for (int i = 1; i <= o.api; ++i)
      api.push_back(testing::backend_process::start(options("api", "bench-a" + std::to_string(i))));
  }
  bool split() const { return !workers.empty(); }
  std::vector<unsigned short> api_ports() const {
    std::vector<unsigned short> out;
    for (const auto& p : api)
      out.push_back(p.port());
    return out;
  }
  std::vector<pid_t> pids() const {
    std::vector<pid_t> out;
    for (const auto* group : {&api, &workers})
      for (const auto& p : *group)
        out.push_back(p.pid());
    return out;
  }
  // A Socket.IO client on every process; those with queue workers commit.
  std::vector<watched_process> watched() const {
    std::vector<watched_process> out;
    for (const auto& p : api)
      out.push_back({p.port(), !split()});
    for (const auto& p : workers)
      out.push_back({p.port(), true});
    return out;
  }
  std::string describe(int threads) const {
    const std::string t = std::to_string(threads) + " queue worker thread(s)";
    if (!split()) return "one process with every role, " + t;
    return std::to_string(api.size()) + " API + " + std::to_string(workers.size()) +
           " worker processes, " + t + " each";
  }
};

constexpr const char* probe_service = "bench-probe";

struct probe_result {
  std::vector<std::pair<std::int64_t, steady::time_point>> acked;  // seq, when its ACK was read
  std::int64_t errors = 0;
};

// One single-entry batch of `probe_service` every 50 ms for `duration`, on a pipeline with
// nothing else to do: each is stored in a transaction of its own, so each gets its log:new.
probe_result run_event_probe(unsigned short port, std::chrono::seconds duration) {
  testing::http_client c(port);
  probe_result r;
  const auto end = steady::now() + duration;
  for (std::int64_t seq = 1; steady::now() < end; ++seq) {
    const auto next = steady::now() + std::chrono::milliseconds(50);
    auto res = c.post("/ingest", batch_body(probe_service, seq, 1));
    if (res.status == 200)
      r.acked.emplace_back(seq, steady::now());
    else
      ++r.errors;
    std::this_thread::sleep_until(next);  // a rate (20 a second), not a synchronisation
  }
  return r;
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

// A "Vm...:" field of /proc/<pid>/status in KiB (VmHWM: peak resident set, VmRSS: now); 0 when
// unreadable.
std::int64_t proc_status_kib(pid_t pid, std::string_view field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with(field)) return std::atoll(line.c_str() + field.size());
  return 0;
}

// Resident memory of the backend processes the bench started, read just before they stop.
struct backend_rss {
  std::int64_t peak_kib = 0, end_kib = 0;  // summed over the processes
  std::string per_process;                 // "pid peak/end MiB" for each
};

backend_rss read_backend_rss(const std::vector<pid_t>& pids) {
  backend_rss r;
  for (pid_t pid : pids) {
    const auto peak = proc_status_kib(pid, "VmHWM:"), now = proc_status_kib(pid, "VmRSS:");
    r.peak_kib += peak, r.end_kib += now;
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s%d %.0f/%.0f MiB", r.per_process.empty() ? "" : ", ",
                  static_cast<int>(pid), static_cast<double>(peak) / 1024,
                  static_cast<double>(now) / 1024);
    r.per_process += buf;
  }
  return r;
}

// One K's figures, for the table after the last one.
struct k_summary {
  std::size_t producers = 0;
  double accepted = 0, durable = 0, text_copy = 0, binary_copy = 0;
  double ack_p50 = 0, ack_p99 = 0;
  backend_rss rss;
  std::string load_at_start, load_at_end;
  bool complete = false;
};

std::string p50_p99(const std::vector<double>& sorted) {
  if (sorted.empty()) return "none";
  return fmt("%.2f", percentile(sorted, 50)) + " / " + fmt("%.2f", percentile(sorted, 99)) + " / " +
         fmt("%.2f ms", percentile(sorted, 100)) + "  (" + std::to_string(sorted.size()) + ")";
}

int run(const bench_options& o, std::size_t producers, const std::string& command_line,
        k_summary& summary) {
  summary.producers = producers;
  const std::size_t services = o.services == 0 ? producers : o.services;
  const std::size_t batches_per_copy = worker::options{}.read_count;
  const auto ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  const double ram_gib = static_cast<double>(sysconf(_SC_PHYS_PAGES)) *
                         static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024 * 1024);

  bench_database db(require_env("TRACEHUB_TEST_PG_URL"));
  const auto redis = prepare_redis(require_env("TRACEHUB_TEST_REDIS_URL"), o.redis_db);
  std::string pg_version;
  pid_t postmaster = 0;
  {
    auto c = bench_database::open(db.url());
    pg_version = query_text(c, "SHOW server_version");
    postmaster = parent_of(static_cast<pid_t>(query_int(c, "SELECT pg_backend_pid()")));
  }

  std::optional<backends> procs(std::in_place, o, db.url(), redis.url);
  const cpu_meter meter(procs->pids(), redis.pid, postmaster);
  std::optional<event_watch> watch(std::in_place, procs->watched());

  std::printf("\n=== K = %zu producers ===\nTraceHub end-to-end benchmark\n", producers);
  row("command", command_line);
  row("machine",
      std::to_string(ncpu) + " CPUs (nproc), " + fmt("%.1f GiB RAM, ", ram_gib) + cpu_model());
  row("note", "producers, backend, Redis and Postgres share these " + std::to_string(ncpu) +
                  " CPUs: every figure is end-to-end on one box");
  summary.load_at_start = load_average();
  row("load average at start", summary.load_at_start);
  row("servers", "PostgreSQL " + pg_version + ", Redis " + redis.version +
                     " (appendonly yes, appendfsync everysec)");
  row("backend", procs->describe(o.worker_threads));
  row("workload", std::to_string(producers) + " producers, " + std::to_string(services) +
                      " services, batches of " + std::to_string(o.batch) + ", " +
                      std::to_string(o.seconds) + " s, " + std::to_string(batches_per_copy) +
                      " batches per COPY" +
                      (o.rate > 0 ? fmt(", paced at %.0f logs/s (ACK latency from each batch's "
                                        "scheduled time)",
                                        o.rate)
                                  : ", as fast as answers come"));
  std::fflush(stdout);

  producer_options po;
  po.ports = procs->api_ports();
  po.producers = producers;
  po.services = services;
  po.batch = o.batch;
  po.duration = std::chrono::seconds(o.seconds);
  po.rate = o.rate;
  const auto cpu_start = meter.sample();
  const auto planned_start = steady::now();
  std::optional<readers> reading;
  if (o.readers > 0) reading.emplace(po.ports.front(), o.readers, planned_start);
  const auto p = run_producers(po);
  if (reading) reading->stop();
  const auto cpu_window = meter.sample();
  const auto d = wait_durable(db.url(), redis.url, p, o.drain_timeout_s);
  const auto cpu_end = meter.sample();

  // The idle probe, then every probe event given 10 s to arrive on both sides.
  probe_result probe;
  if (o.event_seconds > 0) {
    probe = run_event_probe(po.ports.front(), std::chrono::seconds(o.event_seconds));
    const auto until = steady::now() + std::chrono::seconds(10);
    while (!probe.acked.empty() && steady::now() < until &&
           !(watch->first_arrival(probe_service, probe.acked.back().first, true) &&
             (!procs->split() ||
              watch->first_arrival(probe_service, probe.acked.back().first, false))))
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const auto load_at_end = load_average();
  const auto is_probe = [](const std::string& s) { return s == probe_service; };
  const auto added_under_load = watch->added_ms([&](const std::string& s) { return !is_probe(s); });
  const auto added_idle = watch->added_ms(is_probe);
  std::vector<double> ack_to_local, ack_to_remote;
  for (const auto& [seq, acked_at] : probe.acked) {
    auto ms = [&](steady::time_point t) {
      return std::chrono::duration<double, std::milli>(t - acked_at).count();
    };
    if (auto t = watch->first_arrival(probe_service, seq, true)) ack_to_local.push_back(ms(*t));
    if (auto t = watch->first_arrival(probe_service, seq, false)) ack_to_remote.push_back(ms(*t));
  }
  std::sort(ack_to_local.begin(), ack_to_local.end());
  std::sort(ack_to_remote.begin(), ack_to_remote.end());
  const std::int64_t events_seen = watch->events_seen();
  const bool split = procs->split();
  summary.rss = read_backend_rss(procs->pids());
  watch.reset();
  procs.reset();  // the baseline gets the machine to itself

  const double window = seconds_between(p.start, p.end);
  const double accepted_rate = static_cast<double>(p.accepted_logs) / window;
  const double durable_rate = static_cast<double>(d.rows) / d.seconds;

  std::printf("\npipeline (POST /ingest -> Redis queue -> worker COPY -> Postgres)\n");
  row("window", fmt("%.2f s", window));
  row("batches acked", std::to_string(p.ack_latency_ms.size()));
  row("logs accepted",
      std::to_string(p.accepted_logs) + " (duplicates " + std::to_string(p.duplicates) + ")");
  row("503 retries / errors", std::to_string(p.retries_503) + " / " + std::to_string(p.errors) +
                                  (p.first_error.empty() ? "" : "  first: " + p.first_error));
  row("accepted logs/s", rate(accepted_rate));
  row("ACK latency p50 / p99 / max", fmt("%.2f", percentile(p.ack_latency_ms, 50)) + " / " +
                                         fmt("%.2f", percentile(p.ack_latency_ms, 99)) + " / " +
                                         fmt("%.2f ms", percentile(p.ack_latency_ms, 100)));
  row("at window end", std::to_string(d.rows_at_window_end) + " rows committed, " +
                           std::to_string(d.queue_at_window_end) + " batches queued");
  row("all accepted rows committed",
      d.complete ? fmt("after %.2f s", d.seconds) : fmt("NO: timed out after %.0f s", d.seconds));
  row("rows in logs",
      std::to_string(d.rows) + (d.rows == p.accepted_logs
                                    ? " (= accepted: exactly once)"
                                    : " (accepted " + std::to_string(p.accepted_logs) + ")"));
  row("durable logs/s", rate(durable_rate));
  row("backend RSS peak / at end",
      fmt("%.0f", static_cast<double>(summary.rss.peak_kib) / 1024) + " / " +
          fmt("%.0f MiB", static_cast<double>(summary.rss.end_kib) / 1024) + "  (VmHWM / VmRSS; " +
          summary.rss.per_process + ")");
  if (reading) {
    // ACKed logs per second while readers were at work and while they were quiet (by the time
    // of the ACK; the ticks of the producers' window only).
    std::int64_t without = 0, with = 0;
    for (const auto& b : p.batches)
      if (auto busy = reading->busy_at(b.acked_at); busy && b.acked_at < p.end)
        (*busy ? with : without) += b.count;
    double without_s = 0, with_s = 0;
    for (auto t = p.start; t < p.end; t += readers::tick)
      if (auto busy = reading->busy_at(t))
        (*busy ? with_s : without_s) += std::chrono::duration<double>(readers::tick).count();
    const double without_rate = static_cast<double>(without) / without_s;
    const double with_rate = static_cast<double>(with) / with_s;
    row("readers (every other 10 s)",
        std::to_string(o.readers) + " loops of GET /logs, /sim-events, /replays, /lost: " +
            fmt("%.1f s at work, ", with_s) + fmt("%.1f s quiet; ", without_s) +
            std::to_string(reading->answered()) + " answered, " +
            std::to_string(reading->refused()) + " refused (503)");
    row("ACKed logs/s without / with",
        rate(without_rate) + " / " + rate(with_rate) +
            fmt("  (ratio %.3f; issue 12: within 10 %%)", with_rate / without_rate));
  }
  row("CPU in window (cores)", cpu_line(cpu_window - cpu_start, window));
  row("CPU start->committed (cores)", cpu_line(cpu_end - cpu_start, d.seconds));
  std::fflush(stdout);

  std::printf(
      "\nevents: log:new at a Socket.IO client of each process (%lld frames); ms p50 / p99 / max "
      "(pairs); added = API process's client - committing process's client, same event\n",
      static_cast<long long>(events_seen));
  if (split) {
    row("under load: added", p50_p99(added_under_load));
  } else {
    row("under load: added", "none: one process, every event is delivered in-process");
  }
  if (o.event_seconds > 0) {
    row("idle probe", std::to_string(probe.acked.size()) + " single-entry batches at 20/s, " +
                          std::to_string(probe.errors) + " errors");
    row(split ? "  ACK -> committing process" : "  ACK -> client (in-process)",
        p50_p99(ack_to_local));
    if (split) {
      row("  ACK -> API process's client", p50_p99(ack_to_remote));
      row("  added (API - committing)", p50_p99(added_idle));
    }
  }
  row("load average at end", load_at_end);
  summary.load_at_end = load_at_end;
  std::fflush(stdout);

  std::printf(
      "\nbaselines: raw COPY (text, then binary) of the same rows into logs_copy_baseline "
      "(LIKE logs INCLUDING ALL)\n");
  const auto rows = render_baseline_rows(p.batches, batches_per_copy);
  const auto binary_rows = to_binary(rows);
  struct measured {
    baseline_result result;
    cpu_times cpu;
    double rate = 0;
  };
  auto baseline = [&](const baseline_rows& r, copy_format f) -> std::optional<measured> {
    const auto cpu_copy_start = meter.sample();
    measured m;
    m.result = r.error.empty() ? run_copy_baseline(db.url(), r, f) : baseline_result{};
    m.cpu = meter.sample() - cpu_copy_start;
    if (const auto& e = r.error.empty() ? m.result.error : r.error; !e.empty()) {
      std::printf("  FAILED: %s\n", e.c_str());
      return std::nullopt;
    }
    m.rate = static_cast<double>(r.rows) / m.result.seconds;
    const char* name = f == copy_format::binary ? "binary" : "text";
    std::printf("  %s COPY\n", name);
    row("  rows",
        std::to_string(r.rows) + " (stored " + std::to_string(m.result.rows_stored) + ")");
    row("  transactions", std::to_string(m.result.transactions) + " x up to " +
                              std::to_string(batches_per_copy * static_cast<std::size_t>(o.batch)) +
                              " rows (BEGIN, COPY, COMMIT)");
    row("  time", fmt("%.2f s", m.result.seconds));
    row("  COPY rows/s", rate(m.rate));
    row("  CPU (cores)", cpu_line(m.cpu, m.result.seconds));
    return m;
  };
  const auto text = baseline(rows, copy_format::text);
  if (!text) return 1;
  const auto binary = baseline(binary_rows, copy_format::binary);
  if (!binary) return 1;
  const double copy_rate = text->rate;

  std::printf("\nCPU per committed row (us): CPU seconds / rows, robust to other load\n");
  row("pipeline, start->committed", per_row_line(cpu_end - cpu_start, d.rows));
  row("baseline text COPY", per_row_line(text->cpu, rows.rows));
  row("baseline binary COPY", per_row_line(binary->cpu, rows.rows));

  const double ratio = durable_rate / copy_rate;
  const double ratio_binary = durable_rate / binary->rate;
  std::printf("\n");
  row("ratio durable / text COPY", fmt("%.3f", ratio) + "  (issue 15 target 1.0)");
  row("ratio durable / binary COPY", fmt("%.3f", ratio_binary) + "  (issue 15 target 0.8)");
  row("binary / text COPY", fmt("%.3f", binary->rate / copy_rate));
  std::string events;
  if (split && !added_under_load.empty())
    events += fmt(" | events added p50 %.2f", percentile(added_under_load, 50)) +
              fmt(" p99 %.2f ms", percentile(added_under_load, 99));
  if (split && !added_idle.empty())
    events += fmt(" (idle p50 %.2f", percentile(added_idle, 50)) +
              fmt(" p99 %.2f ms)", percentile(added_idle, 99));
  if (!ack_to_remote.empty() || !ack_to_local.empty()) {
    const auto& seen = split ? ack_to_remote : ack_to_local;
    events += fmt(" | idle ACK->API client p50 %.2f", percentile(seen, 50)) +
              fmt(" p99 %.2f ms", percentile(seen, 99));
  }
  std::printf(
      "\nsummary: K=%zu batch=%lld %ds nproc=%ld api=%d workers=%d | accepted %s logs/s | "
      "durable %s logs/s | text COPY %s rows/s | binary COPY %s rows/s | ratio text %.3f "
      "binary %.3f | ACK p50 %.2f ms p99 %.2f ms | RSS peak %.0f MiB end %.0f MiB%s%s\n",
      producers, static_cast<long long>(o.batch), o.seconds, ncpu, o.api, o.workers,
      rate(accepted_rate).c_str(), rate(durable_rate).c_str(), rate(copy_rate).c_str(),
      rate(binary->rate).c_str(), ratio, ratio_binary, percentile(p.ack_latency_ms, 50),
      percentile(p.ack_latency_ms, 99), static_cast<double>(summary.rss.peak_kib) / 1024,
      static_cast<double>(summary.rss.end_kib) / 1024, events.c_str(),
      d.complete && d.rows == p.accepted_logs && p.errors == 0 ? "" : " | INCOMPLETE");
  std::fflush(stdout);
  summary.accepted = accepted_rate;
  summary.durable = durable_rate;
  summary.text_copy = copy_rate;
  summary.binary_copy = binary->rate;
  summary.ack_p50 = percentile(p.ack_latency_ms, 50);
  summary.ack_p99 = percentile(p.ack_latency_ms, 99);
  summary.complete = d.complete && d.rows == p.accepted_logs && p.errors == 0;
  return summary.complete ? 0 : 1;
}

// One line per K, after the last run.
void print_table(const std::vector<k_summary>& all) {
  std::printf(
      "\nall runs (logs/s; ratios durable / COPY of the same rows; ACK client side; backend RSS "
      "VmHWM / VmRSS at end)\n");
  std::printf("  %3s %10s %10s %10s %10s %7s %7s %8s %8s %9s %8s  %s\n", "K", "accepted", "durable",
              "text COPY", "bin COPY", "d/text", "d/bin", "ACK p50", "ACK p99", "RSS peak",
              "RSS end", "load avg start -> end");
  for (const auto& k : all)
    std::printf(
        "  %3zu %10.0f %10.0f %10.0f %10.0f %7.3f %7.3f %6.2fms %6.2fms %6.0fMiB %5.0fMiB  %s -> "
        "%s%s\n",
        k.producers, k.accepted, k.durable, k.text_copy, k.binary_copy,
        k.text_copy > 0 ? k.durable / k.text_copy : 0.0,
        k.binary_copy > 0 ? k.durable / k.binary_copy : 0.0, k.ack_p50, k.ack_p99,
        static_cast<double>(k.rss.peak_kib) / 1024, static_cast<double>(k.rss.end_kib) / 1024,
        k.load_at_start.c_str(), k.load_at_end.c_str(), k.complete ? "" : "  INCOMPLETE");
  std::printf(
      "  targets (issue 15): d/text >= 1.0, d/bin >= 0.8, ACK p99 <= 50 ms at full load, "
      "RSS <= 256 MiB\n");
  std::fflush(stdout);
}

}  // namespace
}  // namespace tracehub::bench

int main(int argc, char** argv) {
  tracehub::bench::bench_options o;
  CLI::App cli{"TraceHub end-to-end benchmark (run it through ./start.sh bench)"};
  std::string producers = "1,4,16";
  cli.add_option("--producers", producers,
                 "concurrent producers (threads): one number, or a comma-separated list of K, "
                 "one run of the pipeline each");
  cli.add_option("--batch", o.batch, "entries per batch")->check(CLI::Range(1, 10'000));
  cli.add_option("--seconds", o.seconds, "length of the posting window")
      ->check(CLI::Range(1, 3600));
  cli.add_option("--services", o.services, "distinct services (default: one per producer)")
      ->check(CLI::Range(0, 4096));
  cli.add_option("--api", o.api,
                 "API processes (role api); with --workers, instead of one process with every "
                 "role")
      ->check(CLI::Range(0, 16));
  cli.add_option("--workers", o.workers, "worker processes (role worker); with --api")
      ->check(CLI::Range(0, 16));
  cli.add_option("--worker-threads", o.worker_threads,
                 "queue workers in each process that has them")
      ->check(CLI::Range(1, 64));
  cli.add_option("--event-seconds", o.event_seconds,
                 "length of the idle event probe after the drain (0: none)")
      ->check(CLI::Range(0, 600));
  cli.add_option("--redis-db", o.redis_db, "Redis database index to flush and use")
      ->check(CLI::Range(0, 15));
  cli.add_option("--readers", o.readers,
                 "concurrent GET /logs (and other query route) loops in every other 10 s slice of "
                 "the window, to compare ingest with and without them")
      ->check(CLI::Range(0, 1000));
  cli.add_option("--rate", o.rate,
                 "logs/s over all producers, each sending on a fixed schedule (e.g. half the "
                 "durable rate of a run without it, for ACK latency at half load); 0: full speed")
      ->check(CLI::Range(0.0, 1e9));
  cli.add_option("--drain-timeout", o.drain_timeout_s,
                 "seconds to wait for every accepted row to be committed");
  CLI11_PARSE(cli, argc, argv);
  o.producers.clear();
  for (std::string_view rest = producers; !rest.empty();) {
    const auto comma = rest.find(',');
    const std::string item(rest.substr(0, comma));
    rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
    char* end = nullptr;
    const long k = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || k < 1 || k > 256) {
      std::fprintf(stderr, "tracehub-bench: --producers takes numbers 1..256, comma-separated\n");
      return 2;
    }
    o.producers.push_back(static_cast<std::size_t>(k));
  }
  if ((o.api == 0) != (o.workers == 0)) {
    std::fprintf(stderr, "tracehub-bench: --api and --workers go together (both 0: one process)\n");
    return 2;
  }

  std::string command_line;
  for (int i = 0; i < argc; ++i)
    command_line += (i ? " " : "") + std::string(argv[i]);
  try {
    std::vector<tracehub::bench::k_summary> all;
    int rc = 0;
    for (std::size_t k : o.producers) {
      auto& summary = all.emplace_back();
      if (tracehub::bench::run(o, k, command_line, summary) != 0) rc = 1;
    }
    tracehub::bench::print_table(all);
    return rc;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tracehub-bench: %s\n", e.what());
    return 1;
  }
}
