// tracehub-logs-query-bench: GET /logs on a large `logs` table (see BENCHMARKS.md, "GET /logs on
// 10 M rows").
//
// In one run, on a fresh database of TRACEHUB_TEST_PG_URL (as scripts/test-env.sh exports it):
//   1. migrations 0001-0004, then --rows generated rows (5 busy services and one rare one,
//      ~2 % errors, realistic messages with unique tokens, ts rising with id), VACUUM ANALYZE;
//   2. every query case, timed: the handler's own statement (query/sql.h) with the handler's own
//      parameters (query::read_logs_params of a /logs?... target), plus the plain
//      `SELECT ... ORDER BY id DESC LIMIT 100` as the baseline of the same phase;
//   3. the remaining migrations (the query indexes of 0005), timed, and the cases again;
//   4. ingest cost: the same --copy-rows rows COPYd, in the worker's transaction size, into
//      `logs` and into `logs_plain` (the same rows, only the indexes of 0001), alternating;
//   5. unless --no-candidates, the indexes 0005 leaves out (ts, pg_trgm GIN on message) are
//      built and steps 2 and 4 repeated, so their benefit and cost are measured too.
// The machine is noisy and shared, so each phase reports its figures next to its own baseline.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include <CLI/CLI.hpp>

#include "backend/pg/connection.h"
#include "backend/pg/migrate.h"
#include "backend/query/logs_params.h"
#include "backend/testing/pg_database.h"

namespace tracehub::bench {
namespace {

using clock_type = std::chrono::steady_clock;

struct bench_options {
  std::int64_t rows = 10'000'000;
  std::int64_t copy_rows = 200'000;
  int runs = 30;
  double case_seconds = 20;
  bool candidates = true;
};

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

// ---------------------------------------------------------------------------------------------
// The database

void exec(pg::connection& c, std::string_view sql) {
  if (auto s = c.exec(sql); !s)
    throw std::runtime_error(std::string(sql.substr(0, 80)) + ": " + c.last_error());
}

pg::rows query(pg::connection& c, std::string_view sql, std::span<const pg::param> params = {}) {
  auto r = c.query(sql, params);
  if (!r) throw std::runtime_error(std::string(sql.substr(0, 80)) + ": " + c.last_error());
  return std::move(*r);
}

std::string query_text(pg::connection& c, std::string_view sql) {
  auto r = query(c, sql);
  return std::string(r.get(0, 0));
}

// ---------------------------------------------------------------------------------------------
// The rows

struct service_share {
  const char* name;
  int batches;  // of every 200 batches of 500 rows
};
// 40 / 25 / 15 / 10 / 9.5 / 0.5 % of the rows.
constexpr service_share services[] = {{"api-gateway", 80}, {"checkout", 50},      {"payments", 30},
                                      {"inventory", 20},   {"notifications", 19}, {"cron", 1}};
constexpr int cycle_batches = 200;
constexpr int batch_rows = 500;

std::string int_array(const std::vector<int>& v) {
  std::string out = "ARRAY[";
  for (std::size_t i = 0; i < v.size(); ++i)
    out += (i ? "," : "") + std::to_string(v[i]);
  return out + "]";
}

// CREATE FUNCTION bench_rows(first_row, row_count): rows first_row.. of the benchmark's log, in
// the columns the worker COPYs. Row i belongs to batch i / 500; batches go to the services in a
// smooth weighted round robin over 200 batches, and each service's seqs count up from 1 with no
// gap. Level: 2 % error, 0.2 % fatal, 5 % warn, 15 % debug. ts: 10 ms per row from
// 2026-11-01, up to 1 s early. Pure function of i (hashint8), so a run is reproducible.
std::string generator_sql() {
  std::vector<int> owner, before, weight;
  std::vector<int> current(std::size(services), 0), seen(std::size(services), 0);
  for (const auto& s : services)
    weight.push_back(s.batches);
  for (int b = 0; b < cycle_batches; ++b) {
    std::size_t best = 0;
    for (std::size_t s = 0; s < std::size(services); ++s) {
      current[s] += services[s].batches;
      if (current[s] > current[best]) best = s;
    }
    current[best] -= cycle_batches;
    owner.push_back(static_cast<int>(best));
    before.push_back(seen[best]++);
  }
  std::string names = "ARRAY[";
  for (std::size_t s = 0; s < std::size(services); ++s)
    names += std::string(s ? "," : "") + "'" + services[s].name + "'";
  names += "]";
  const std::string cycle = std::to_string(cycle_batches), batch = std::to_string(batch_rows);
  return R"(CREATE OR REPLACE FUNCTION bench_rows(first_row bigint, row_count bigint)
RETURNS TABLE (service text, seq bigint, level text, message text, request_id text,
               ts timestamptz, attrs jsonb)
LANGUAGE sql IMMUTABLE AS $f$
SELECT ()" +
         names +
         R"()[s + 1],
       (b / )" +
         cycle + ") * (" + int_array(weight) + ")[s + 1] * " + batch + " + before * " + batch +
         " + i % " + batch + R"( + 1,
       lv,
       CASE lv
       WHEN 'error' THEN CASE
         WHEN t < 9 THEN 'payment gateway timeout after ' || ms + 1000 || 'ms order=ord-' || lpad(i::text, 10, '0')
         WHEN t < 18 THEN 'connection refused: db-' || k || '.internal:5432 (pool exhausted)'
         WHEN t = 18 THEN 'deadlock detected while updating order ord-' || lpad(i::text, 10, '0')
         ELSE 'unhandled NullPointerException in CheckoutController.submit req=' || to_hex(h) END
       WHEN 'fatal' THEN 'worker crashed: out of memory (rss=' || ms + 2000 || 'MiB) pid=' || h % 60000
       WHEN 'warn' THEN CASE t % 3
         WHEN 0 THEN 'slow query took ' || ms + 500 || 'ms table=orders rows=' || h % 100000
         WHEN 1 THEN 'retrying call to inventory attempt=' || k % 5 + 1 || ' after ' || ms || 'ms'
         ELSE 'rate limit near threshold client=c-' || h % 500 || ' used=' || 90 + k % 10 || ' percent' END
       ELSE CASE t % 8
         WHEN 0 THEN 'GET /api/v1/orders/ord-' || lpad(i::text, 10, '0') || ' 200 in ' || ms || 'ms'
         WHEN 1 THEN 'user u-' || h % 1000000 || ' signed in from 10.' || k || '.' || h % 256 || '.' || ms % 256
         WHEN 2 THEN 'cache miss key=product:' || h % 50000 || ' took_ms=' || ms
         WHEN 3 THEN 'charge ch_' || to_hex(h) || ' captured amount=' || ms * 37 || ' currency=EUR'
         WHEN 4 THEN 'published order.placed to partition ' || k % 12 || ' offset ' || i
         WHEN 5 THEN 'POST /api/v1/checkout 201 in ' || ms || 'ms user=u-' || h % 1000000
         WHEN 6 THEN 'stock reserved sku=SKU-' || h % 20000 || ' qty=' || k % 5 + 1 || ' warehouse=wh-' || k % 4
         ELSE 'email queued template=order_confirmation to=u-' || h % 1000000 || '@example.com' END
       END,
       'r-' || lpad((h % 100000000)::text, 8, '0'),
       '2026-11-01T00:00:00Z'::timestamptz + i * interval '10 ms' - ms * interval '1 ms',
       CASE WHEN i % 4 = 0 THEN jsonb_build_object('region', 'eu-west-1', 'attempt', k % 3 + 1) END
FROM (
  SELECT i, b, s, before, h, t, k, ms,
         CASE WHEN p < 20 THEN 'error' WHEN p < 22 THEN 'fatal' WHEN p < 72 THEN 'warn'
              WHEN p < 222 THEN 'debug' ELSE 'info' END AS lv
  FROM (
    SELECT i, i / )" +
         batch + R"( AS b,
           ()" +
         int_array(owner) + ")[(i / " + batch + ") % " + cycle + R"( + 1] AS s,
           ()" +
         int_array(before) + ")[(i / " + batch + ") % " + cycle + R"( + 1] AS before,
           (hashint8(i) & 2147483647) % 1000 AS p,
           hashint8(i + 1000000007) & 2147483647 AS h,
           (hashint8(i + 2000000011) & 2147483647) % 20 AS t,
           (hashint8(i + 3000000019) & 2147483647) % 256 AS k,
           (hashint8(i + 4000000007) & 2147483647) % 1000 AS ms
    FROM generate_series(first_row, first_row + row_count - 1) AS i
  ) a
) c
$f$)";
}

constexpr std::string_view insert_rows =
    "INSERT INTO logs (service, seq, level, message, request_id, ts, attrs) "
    "SELECT * FROM bench_rows($1::bigint, $2::bigint)";

// The rows as COPY text (no generated field holds a tab, newline or backslash).
constexpr std::string_view copy_text =
    "SELECT string_agg(concat_ws(E'\\t', service, seq, level, message, request_id, ts, "
    "coalesce(attrs::text, '\\N')), E'\\n') || E'\\n' FROM bench_rows($1::bigint, $2::bigint)";

void load_rows(pg::connection& c, std::int64_t rows) {
  const std::int64_t chunk = 1'000'000;
  const auto start = clock_type::now();
  for (std::int64_t first = 0; first < rows; first += chunk) {
    const std::string a = std::to_string(first), n = std::to_string(std::min(chunk, rows - first));
    const pg::param params[] = {a, n};
    query(c, insert_rows, params);
    std::printf("  loaded %lld rows (%.0f s)\n", static_cast<long long>(first + std::stoll(n)),
                seconds_since(start));
    std::fflush(stdout);
  }
}

// ---------------------------------------------------------------------------------------------
// The query cases

struct query_case {
  std::string label;
  std::string target;  // a GET /logs target; empty: the baseline statement
};

constexpr std::string_view baseline_sql =
    "SELECT id, service, seq, level, message, request_id, ts, attrs, ingested_at FROM logs "
    "ORDER BY id DESC LIMIT 100";

// Timestamps and tokens taken from the loaded rows, so the cases hit what is there.
std::vector<query_case> make_cases(pg::connection& c, std::int64_t rows) {
  const std::string mid = std::to_string(rows / 2);
  auto rfc3339 = [&](const std::string& expr) {
    return query_text(
        c, "SELECT to_char((" + expr + ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')");
  };
  const std::string mid_ts = "(SELECT ts FROM logs WHERE id = " + mid + ")";
  const std::string old_from = rfc3339(mid_ts + " - interval '150 s'");
  const std::string old_to = rfc3339(mid_ts + " + interval '150 s'");
  const std::string max_ts = "(SELECT ts FROM logs WHERE id = (SELECT max(id) FROM logs))";
  const std::string new_from = rfc3339(max_ts + " - interval '300 s'");
  // A token that occurs once: a charge id in the oldest third of the table.
  const std::string token = query_text(
      c, "SELECT substring(message FROM 'ch_[0-9a-f]+') FROM logs WHERE id > " +
             std::to_string(rows / 4) + " AND message LIKE 'charge ch_%' ORDER BY id LIMIT 1");
  const std::string seq_mid =
      query_text(c, "SELECT max(seq) / 2 FROM logs WHERE service = 'payments'");
  const std::string seq_to = std::to_string(std::stoll(seq_mid) + 999);
  return {
      {"baseline: ORDER BY id DESC LIMIT 100", ""},
      {"newest page", "/logs"},
      {"newest page, limit=1000", "/logs?limit=1000"},
      {"service (40 % of rows)", "/logs?service=api-gateway"},
      {"service (0.5 % of rows)", "/logs?service=cron"},
      {"level=error", "/logs?level=error"},
      {"level=error,fatal", "/logs?level=error,fatal"},
      {"level=warn", "/logs?level=warn"},
      {"service (15 %) + level=error", "/logs?service=payments&level=error"},
      {"service (0.5 %) + level=error", "/logs?service=cron&level=error"},
      {"q common (checkout, ~10 %)", "/logs?q=checkout"},
      {"q rare (deadlock, ~0.1 %)", "/logs?q=deadlock"},
      {"q unique token (1 row)", "/logs?q=" + token},
      {"q absent (0 rows)", "/logs?q=no-such-text"},
      {"q 2 chars (db, ~1 %)", "/logs?q=db"},
      {"service (15 %) + q timeout", "/logs?service=payments&q=timeout"},
      {"ts: last 5 min", "/logs?from=" + new_from},
      {"ts: 5 min window mid-table", "/logs?from=" + old_from + "&to=" + old_to},
      {"seq range (1000 seqs)", "/logs?service=payments&fromSeq=" + seq_mid + "&toSeq=" + seq_to},
      {"cursor mid-table", "/logs?cursor=" + mid},
      {"cursor mid-table + service (0.5 %)", "/logs?service=cron&cursor=" + mid},
  };
}

struct timing {
  std::vector<double> ms;  // ascending
  std::int64_t rows = 0;   // rows the page held
  std::string plan;        // the scans of EXPLAIN, one line
};

// Nearest-rank percentile of an ascending vector.
double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

// "Index Scan Backward using logs_pkey on logs" and the like, from EXPLAIN (COSTS OFF).
std::string plan_summary(pg::connection& c, std::string_view sql,
                         std::span<const pg::param> params) {
  auto r = query(c, "EXPLAIN (COSTS OFF) " + std::string(sql), params);
  std::string out;
  for (std::size_t i = 0; i < r.size(); ++i) {
    std::string line(r.get(i, 0));
    if (line.find("Scan") == std::string::npos && line.find("Sort Key") == std::string::npos)
      continue;
    line.erase(0, line.find_first_not_of(" ->"));
    if (line.starts_with("Subquery Scan")) continue;
    out += (out.empty() ? "" : "; ") + line;
  }
  return out;
}

// One warm-up run, then up to `runs` timed runs, stopping after `budget_s` (at least 3 runs).
timing time_case(pg::connection& c, const query_case& qc, const bench_options& o) {
  timing t;
  query::logs_params values;  // what `params` points into
  std::vector<pg::param> params;
  std::string_view sql = baseline_sql;
  if (!qc.target.empty()) {
    auto parsed = query::read_logs_params(qc.target);
    if (auto* bad = std::get_if<query::bad_param>(&parsed))
      throw std::runtime_error(qc.target + ": " + bad->detail);
    values = std::move(std::get<query::logs_params>(parsed));
    for (const auto& v : values)
      params.push_back(v ? pg::param(*v) : pg::param());
    sql = query::logs_statement(values);
  }
  t.plan = plan_summary(c, sql, params);
  auto run_once = [&] {
    auto r = query(c, sql, params);
    return qc.target.empty() ? static_cast<std::int64_t>(r.size()) : r.get_int(0, 1);
  };
  t.rows = run_once();
  const auto start = clock_type::now();
  for (int i = 0; i < o.runs; ++i) {
    const auto t0 = clock_type::now();
    run_once();
    t.ms.push_back(seconds_since(t0) * 1000);
    if (i >= 2 && seconds_since(start) > o.case_seconds) break;
  }
  std::sort(t.ms.begin(), t.ms.end());
  return t;
}

std::vector<timing> time_cases(pg::connection& c, const std::vector<query_case>& cases,
                               const bench_options& o, const char* phase) {
  std::printf("\n%s: query cases (p50 / p99 ms over n runs; x = p50 / baseline p50)\n", phase);
  std::vector<timing> out;
  for (const auto& qc : cases) {
    out.push_back(time_case(c, qc, o));
    const auto& t = out.back();
    const double base = percentile(out.front().ms, 50);
    std::printf("  %-36s %9.2f / %9.2f  n=%-3zu x%-8.1f rows=%-4lld %s\n", qc.label.c_str(),
                percentile(t.ms, 50), percentile(t.ms, 99), t.ms.size(),
                percentile(t.ms, 50) / base, static_cast<long long>(t.rows), t.plan.c_str());
    std::fflush(stdout);
  }
  return out;
}

// The handler opens a connection per request: its cost beside the queries.
void time_connect(const std::string& url) {
  std::vector<double> ms;
  for (int i = 0; i < 30; ++i) {
    const auto t0 = clock_type::now();
    auto c = pg::connection::open(url);
    if (!c) throw std::runtime_error("connect: " + c.error().message());
    (void)c->exec("SELECT 1");  // a round trip, as the first query would make
    ms.push_back(seconds_since(t0) * 1000);
  }
  std::sort(ms.begin(), ms.end());
  std::printf("  %-36s %9.2f / %9.2f  n=%zu (the handler opens one per request)\n",
              "connection open + SELECT 1", percentile(ms, 50), percentile(ms, 99), ms.size());
}

void print_indexes(pg::connection& c) {
  auto r = query(c,
                 "SELECT c.relname, pg_size_pretty(pg_relation_size(c.oid)) FROM pg_index i "
                 "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'logs'::regclass "
                 "ORDER BY c.relname");
  std::printf("  table logs: %s heap, indexes:", query_text(c,
                                                            "SELECT pg_size_pretty("
                                                            "pg_relation_size('logs'))")
                                                     .c_str());
  for (std::size_t i = 0; i < r.size(); ++i)
    std::printf("%s %s %s", i ? "," : "", std::string(r.get(i, 0)).c_str(),
                std::string(r.get(i, 1)).c_str());
  std::printf("\n");
}

// ---------------------------------------------------------------------------------------------
// Ingest cost

// logs_plain: the same rows as logs with only the indexes of 0001 (id, (service, seq)).
void make_plain_copy(pg::connection& c) {
  const auto start = clock_type::now();
  exec(c, "CREATE TABLE logs_plain (LIKE logs INCLUDING DEFAULTS)");
  exec(c, "INSERT INTO logs_plain SELECT * FROM logs");
  exec(c, "ALTER TABLE logs_plain ADD PRIMARY KEY (id), ADD UNIQUE (service, seq)");
  exec(c, "VACUUM ANALYZE logs_plain");
  std::printf("  logs_plain (copy of logs with the 0001 indexes only) built in %.0f s\n",
              seconds_since(start));
}

struct copy_result {
  double with_s = 0, plain_s = 0;
  std::int64_t rows = 0;
};

// --copy-rows new rows (from row `first` on) in transactions of the worker's size, each
// COPYd into logs and into logs_plain, which of the two goes first alternating.
copy_result compare_copy(pg::connection& c, std::int64_t first, std::int64_t rows) {
  // The worker's transaction: worker::options::read_count (64) batches of 500.
  const std::int64_t chunk = 64 * batch_rows;
  exec(c, "CHECKPOINT");
  copy_result out;
  auto timed_copy = [&](const char* table, const std::string& data) {
    const auto t0 = clock_type::now();
    exec(c, "BEGIN");
    if (auto s = c.copy_in("COPY " + std::string(table) +
                               " (service, seq, level, message, request_id, ts, attrs) FROM STDIN",
                           data);
        !s)
      throw std::runtime_error(std::string("COPY into ") + table + ": " + c.last_error());
    exec(c, "COMMIT");
    return seconds_since(t0);
  };
  for (std::int64_t done = 0, i = 0; done < rows; done += chunk, ++i) {
    const std::string a = std::to_string(first + done);
    const std::string n = std::to_string(std::min(chunk, rows - done));
    const pg::param params[] = {a, n};
    const std::string data(query(c, copy_text, params).get(0, 0));  // untimed
    if (i % 2 == 0) {
      out.with_s += timed_copy("logs", data);
      out.plain_s += timed_copy("logs_plain", data);
    } else {
      out.plain_s += timed_copy("logs_plain", data);
      out.with_s += timed_copy("logs", data);
    }
    out.rows += std::stoll(n);
  }
  return out;
}

void print_copy(const char* label, const copy_result& r) {
  std::printf(
      "  COPY %lld rows, %s: %.0f rows/s into logs, %.0f rows/s into logs_plain; "
      "time ratio logs / logs_plain = %.2f\n",
      static_cast<long long>(r.rows), label, static_cast<double>(r.rows) / r.with_s,
      static_cast<double>(r.rows) / r.plain_s, r.with_s / r.plain_s);
  std::fflush(stdout);
}

// ---------------------------------------------------------------------------------------------

double timed_exec(pg::connection& c, std::string_view sql) {
  const auto t0 = clock_type::now();
  exec(c, sql);
  return seconds_since(t0);
}

void print_summary(const std::vector<query_case>& cases,
                   const std::vector<std::vector<timing>>& phases,
                   const std::vector<const char*>& names) {
  std::printf("\nsummary: p50 / p99 ms per phase (x = p50 / that phase's baseline p50)\n");
  std::printf("  %-36s", "case");
  for (auto* n : names)
    std::printf(" | %-28s", n);
  std::printf("\n");
  for (std::size_t i = 0; i < cases.size(); ++i) {
    std::printf("  %-36s", cases[i].label.c_str());
    for (const auto& p : phases) {
      const double base = percentile(p.front().ms, 50);
      std::printf(" | %8.2f / %8.2f x%-7.1f", percentile(p[i].ms, 50), percentile(p[i].ms, 99),
                  percentile(p[i].ms, 50) / base);
    }
    std::printf("\n");
  }
}

int run(const bench_options& o, const std::string& command_line) {
  // A fresh database on TRACEHUB_TEST_PG_URL (scripts/test-env.sh), dropped at the end.
  auto db = testing::pg_database::create();
  auto c = db.connect();

  std::printf("TraceHub GET /logs query benchmark\n");
  std::printf("  command   %s\n  server    PostgreSQL %s (shared_buffers %s)\n",
              command_line.c_str(), query_text(c, "SHOW server_version").c_str(),
              query_text(c, "SHOW shared_buffers").c_str());

  const auto all = pg::backend_migrations();
  const auto before_0005 =
      std::count_if(all.begin(), all.end(), [](const auto& m) { return m.version < 5; });
  if (auto m = pg::migrate(c, all.subspan(0, static_cast<std::size_t>(before_0005))); !m)
    throw std::runtime_error("migrations 0001-0004: " + c.last_error());
  exec(c, generator_sql());

  std::printf("\nload: %lld rows into logs (migrations 0001-0004 only)\n",
              static_cast<long long>(o.rows));
  auto t0 = clock_type::now();
  load_rows(c, o.rows);
  exec(c, "VACUUM ANALYZE logs");
  std::printf("  loaded and vacuumed in %.0f s\n", seconds_since(t0));
  print_indexes(c);

  const auto cases = make_cases(c, o.rows);
  std::vector<std::vector<timing>> phases;
  std::vector<const char*> names;
  phases.push_back(time_cases(c, cases, o, "before 0005 (0001 indexes)"));
  names.push_back("before 0005");
  time_connect(db.url());

  std::printf("\nmigration 0005 (query indexes) on %lld rows\n", static_cast<long long>(o.rows));
  t0 = clock_type::now();
  if (auto m = pg::migrate(c, all); !m) throw std::runtime_error("migrate: " + c.last_error());
  std::printf("  applied in %.1f s\n", seconds_since(t0));
  exec(c, "ANALYZE logs");
  print_indexes(c);
  phases.push_back(time_cases(c, cases, o, "after 0005"));
  names.push_back("after 0005");

  std::printf("\ningest cost of 0005\n");
  make_plain_copy(c);
  std::int64_t next_row = o.rows;
  print_copy("0005 indexes", compare_copy(c, next_row, o.copy_rows));
  next_row += o.copy_rows;

  if (o.candidates) {
    std::printf("\ncandidates 0005 leaves out\n");
    exec(c, "CREATE EXTENSION IF NOT EXISTS pg_trgm");
    std::printf("  CREATE INDEX logs (ts): %.1f s\n",
                timed_exec(c, "CREATE INDEX bench_logs_ts ON logs (ts)"));
    std::printf("  CREATE INDEX logs USING gin (message gin_trgm_ops): %.1f s\n",
                timed_exec(c,
                           "CREATE INDEX bench_logs_message_trgm ON logs "
                           "USING gin (message gin_trgm_ops)"));
    exec(c, "VACUUM ANALYZE logs");
    print_indexes(c);
    phases.push_back(time_cases(c, cases, o, "after 0005 + ts + trigram GIN"));
    names.push_back("0005 + ts + trgm GIN");
    print_copy("0005 + ts + trigram GIN (fastupdate on, 4 MB pending list)",
               compare_copy(c, next_row, o.copy_rows));
    next_row += o.copy_rows;
    exec(c, "DROP INDEX bench_logs_message_trgm");
    print_copy("0005 + ts", compare_copy(c, next_row, o.copy_rows));
    next_row += o.copy_rows;
  }

  print_summary(cases, phases, names);
  return 0;
}

}  // namespace
}  // namespace tracehub::bench

int main(int argc, char** argv) {
  tracehub::bench::bench_options o;
  CLI::App cli{"GET /logs on a large logs table (run it through scripts/test-env.sh)"};
  cli.add_option("--rows", o.rows, "rows to load")->check(CLI::Range(10'000LL, 1'000'000'000LL));
  cli.add_option("--copy-rows", o.copy_rows, "rows COPYd per ingest-cost comparison")
      ->check(CLI::Range(1'000LL, 100'000'000LL));
  cli.add_option("--runs", o.runs, "timed runs per query case")->check(CLI::Range(3, 10'000));
  cli.add_option("--case-seconds", o.case_seconds,
                 "stop a case's runs after this (3 runs at least)")
      ->check(CLI::Range(0.0, 3600.0));
  bool no_candidates = false;
  cli.add_flag("--no-candidates", no_candidates,
               "skip the indexes 0005 leaves out (ts, pg_trgm GIN on message)");
  CLI11_PARSE(cli, argc, argv);
  o.candidates = !no_candidates;

  std::string command_line;
  for (int i = 0; i < argc; ++i)
    command_line += (i ? " " : "") + std::string(argv[i]);
  try {
    return tracehub::bench::run(o, command_line);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tracehub-logs-query-bench: %s\n", e.what());
    return 1;
  }
}
