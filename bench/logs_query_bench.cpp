// tracehub-logs-query-bench: GET /logs on a large `logs` table, and what each index costs
// ingest (see BENCHMARKS.md, "GET /logs on 10 M rows").
//
// In one run, on a fresh database of TRACEHUB_TEST_PG_URL (as scripts/test-env.sh exports it):
//   1. every migration, then `logs` partitioned as a backend with --retention would keep it
//      (partitions over the data's ingest times), without the query indexes (logs_problems, the
//      partial index on error/fatal rows, and logs_ts_brin): each partition has only UNIQUE
//      (service, seq), the exactly-once key, and (ingested_at, id), the page order;
//   2. --rows generated rows (5 busy services and one rare one, ~2 % errors, realistic messages
//      with unique tokens, ts rising with id, ingested half a second after ts), VACUUM ANALYZE;
//   3. every query case, timed: the handler's own statement choice (query::page_statement) and
//      parameters (query::read_logs_params of a /logs?... target), plus the plain
//      `SELECT ... ORDER BY ingested_at DESC, id DESC LIMIT 100` as the phase's baseline;
//   4. the shipped query indexes built (timed) and the cases again, each against its target
//      (p50 <= 100 ms; a `q` search over a one-hour window <= 1 s);
//   5. ingest cost of each index on its own: two tables like one partition (PRIMARY KEY and
//      UNIQUE (service, seq), --copy-base-rows rows each), the index built on one of them, and
//      the same --copy-rows rows COPYd into both in the worker's transaction size, alternating;
//      then the shipped set together (the ratio that must stay <= 1.2);
//   6. unless --no-candidates, the indexes left out (ts btree, pg_trgm GIN on message, a
//      (service, id) btree) on `logs` too, and the cases again.
// The machine is noisy and shared, so each phase reports its figures next to its own baseline.
#include <algorithm>
#include <cctype>
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
#include "backend/query/page_plan.h"
#include "backend/query/sql.h"
#include "backend/retention/policy.h"
#include "backend/testing/pg_database.h"

namespace tracehub::bench {
namespace {

using clock_type = std::chrono::steady_clock;

struct bench_options {
  std::int64_t rows = 10'000'000;
  std::int64_t copy_rows = 320'000;
  std::int64_t copy_base_rows = 1'000'000;
  int runs = 30;
  double case_seconds = 20;
  bool candidates = true;
  std::string retention = "off";  // picks the partition width, as the backend's flag does
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
// 2026-11-01, up to 1 s early; ingested_at half a second after the row's slot, as the worker
// would store it. Pure function of i (hashint8), so a run is reproducible.
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
               ts timestamptz, attrs jsonb, ingested_at timestamptz)
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
       CASE WHEN i % 4 = 0 THEN jsonb_build_object('region', 'eu-west-1', 'attempt', k % 3 + 1) END,
       '2026-11-01T00:00:00.5Z'::timestamptz + i * interval '10 ms'
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
    "INSERT INTO logs (service, seq, level, message, request_id, ts, attrs, ingested_at) "
    "SELECT * FROM bench_rows($1::bigint, $2::bigint)";

// The rows as the worker COPYs them (queue::stored_columns; no generated field holds a tab,
// newline or backslash).
constexpr std::string_view copy_text =
    "SELECT string_agg(concat_ws(E'\\t', service, seq, level, message, request_id, ts, "
    "coalesce(attrs::text, '\\N'), ingested_at), E'\\n') || E'\\n' "
    "FROM bench_rows($1::bigint, $2::bigint)";

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
  std::string target;      // a GET /logs target; empty: the baseline statement
  double target_ms = 100;  // p50 target (issue 15); 0: none
};

constexpr std::string_view baseline_sql =
    "SELECT id, service, seq, level, message, request_id, ts, attrs, ingested_at FROM logs "
    "ORDER BY ingested_at DESC, id DESC LIMIT 100";

// Timestamps and tokens taken from the loaded rows, so the cases hit what is there. (Row i has
// id i + 1 and is ingested at 2026-11-01T00:00:00.5Z + i * 10 ms: generator_sql.)
std::vector<query_case> make_cases(pg::connection& c, std::int64_t rows) {
  auto rfc3339 = [&](const std::string& expr) {
    return query_text(
        c, "SELECT to_char((" + expr + ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')");
  };
  auto at_of = [&](std::int64_t id) {
    return "'2026-11-01T00:00:00.5Z'::timestamptz + " + std::to_string(id - 1) +
           " * interval '10 ms'";
  };
  // The row with id `id`, found through the (ingested_at, id) index.
  auto row = [&](std::int64_t id, const std::string& column) {
    return query_text(c, "SELECT " + column + " FROM logs WHERE ingested_at = " + at_of(id) +
                             " AND id = " + std::to_string(id));
  };
  auto window = [&](const std::string& center, int half_s) {
    return "from=" +
           rfc3339("'" + center + "'::timestamptz - interval '" + std::to_string(half_s) + " s'") +
           "&to=" +
           rfc3339("'" + center + "'::timestamptz + interval '" + std::to_string(half_s) + " s'");
  };
  const std::int64_t mid_id = rows / 2;
  const std::string mid_ts = row(mid_id, "ts");
  const std::string mid_cursor =
      row(mid_id, "(extract(epoch FROM ingested_at) * 1000000)::bigint || '_' || id");
  const std::string max_ts = query_text(c, "SELECT max(ts) FROM logs");
  const std::string new_from = rfc3339("'" + max_ts + "'::timestamptz - interval '300 s'");
  const std::string last_hour =
      "from=" + rfc3339("'" + max_ts + "'::timestamptz - interval '1 hour'") +
      "&to=" + rfc3339("'" + max_ts + "'::timestamptz + interval '1 s'");
  // A token that occurs once: a charge id in the oldest third of the table, and its hour.
  auto token_row = query(c,
                         "SELECT substring(message FROM 'ch_[0-9a-f]+'), ts FROM logs "
                         "WHERE ingested_at > " +
                             at_of(rows / 4) +
                             " AND message LIKE 'charge ch_%' ORDER BY ingested_at, id LIMIT 1");
  const std::string token(token_row.get(0, 0));
  const std::string token_hour = window(std::string(token_row.get(0, 1)), 1800);
  const std::string seq_mid =
      query_text(c, "SELECT max(seq) / 2 FROM logs WHERE service = 'payments'");
  const std::string seq_to = std::to_string(std::stoll(seq_mid) + 999);
  const std::string old5 = window(mid_ts, 150), old_hour = window(mid_ts, 1800);
  return {
      {"baseline: ORDER BY ingested_at DESC, id DESC LIMIT 100", "", 0},
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
      {"ts: last hour (from+to)", "/logs?" + last_hour},
      {"ts: 5 min window mid-table", "/logs?" + old5},
      {"ts: 1 h window mid-table", "/logs?" + old_hour},
      {"ts: 5 min mid-table + level=error", "/logs?" + old5 + "&level=error"},
      {"q rare in a 1 h window mid-table", "/logs?q=deadlock&" + old_hour, 1000},
      {"q unique token in its 1 h window", "/logs?q=" + token + "&" + token_hour, 1000},
      {"q absent in a 1 h window mid-table", "/logs?q=no-such-text&" + old_hour, 1000},
      {"q absent in the last hour", "/logs?q=no-such-text&" + last_hour, 1000},
      {"seq range (1000 seqs)", "/logs?service=payments&fromSeq=" + seq_mid + "&toSeq=" + seq_to},
      {"cursor mid-table", "/logs?cursor=" + mid_cursor},
      {"cursor mid-table + service (0.5 %)", "/logs?service=cron&cursor=" + mid_cursor},
  };
}

struct timing {
  std::vector<double> ms;  // ascending
  std::int64_t rows = 0;   // rows the page held
  std::string plan;        // the statement chosen and the scans of EXPLAIN, one line
};

// Nearest-rank percentile of an ascending vector.
double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

// "Index Scan Backward using logs_pkey on logs" and the like, from EXPLAIN (COSTS OFF); each
// distinct scan once, with how many partitions it covers.
std::string plan_summary(pg::connection& c, std::string_view sql,
                         std::span<const pg::param> params) {
  auto r = query(c, "EXPLAIN (COSTS OFF) " + std::string(sql), params);
  std::vector<std::pair<std::string, int>> scans;
  for (std::size_t i = 0; i < r.size(); ++i) {
    std::string line(r.get(i, 0));
    if (line.find("Scan") == std::string::npos && line.find("Sort Key") == std::string::npos)
      continue;
    line.erase(0, line.find_first_not_of(" ->"));
    if (line.starts_with("Subquery Scan") || line.starts_with("CTE Scan") ||
        line.find("logs_retention") != std::string::npos)  // the keptSince column's
      continue;
    // "Index Scan Backward using logs_20261101t000000_pkey on logs_20261101t000000 logs_1":
    // one entry per kind of scan, whatever the partition.
    std::string kind = line;
    if (auto alias = kind.rfind(" logs_");
        alias != std::string::npos && kind.find(' ', alias + 1) == std::string::npos)
      kind.erase(alias);
    for (auto at = kind.find("logs_"); at != std::string::npos; at = kind.find("logs_", at + 5)) {
      if (at + 5 >= kind.size() || !std::isdigit(static_cast<unsigned char>(kind[at + 5])))
        continue;
      auto end = kind.find_first_of(" _", at + 5);
      kind.replace(at, (end == std::string::npos ? kind.size() : end) - at, "logs_<part>");
    }
    auto found = std::find_if(scans.begin(), scans.end(), [&](auto& s) { return s.first == kind; });
    if (found == scans.end())
      scans.emplace_back(kind, 1);
    else
      ++found->second;
  }
  std::string out;
  for (const auto& [kind, n] : scans)
    out += (out.empty() ? "" : "; ") + kind + (n > 1 ? " (x" + std::to_string(n) + ")" : "");
  return out;
}

// One warm-up run, then up to `runs` timed runs, stopping after `budget_s` (at least 3 runs).
// Each run makes the handler's statement choice (planner estimates included in the time).
timing time_case(pg::connection& c, const query_case& qc, const bench_options& o) {
  timing t;
  query::logs_params values;  // what `params` points into
  std::vector<pg::param> params;
  if (!qc.target.empty()) {
    auto parsed = query::read_logs_params(qc.target);
    if (auto* bad = std::get_if<query::bad_param>(&parsed))
      throw std::runtime_error(qc.target + ": " + bad->detail);
    values = std::move(std::get<query::logs_params>(parsed));
    for (const auto& v : values)
      params.push_back(v ? pg::param(*v) : pg::param());
  }
  auto statement = [&]() -> std::string_view {
    if (qc.target.empty()) return baseline_sql;
    auto s = query::page_statement(c, values);
    if (!s) throw std::runtime_error(qc.target + ": " + c.last_error());
    return *s;
  };
  auto chosen = statement();
  t.plan = std::string(chosen == query::sql::logs_page_collected ? "[collected] " : "") +
           plan_summary(c, chosen, params);
  auto run_once = [&] {
    auto r = query(c, statement(), params);
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

std::string verdict(const query_case& qc, const timing& t) {
  if (qc.target_ms <= 0) return "";
  const double p50 = percentile(t.ms, 50);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s (<= %.0f ms)", p50 <= qc.target_ms ? "ok" : "MISS",
                qc.target_ms);
  return buf;
}

std::vector<timing> time_cases(pg::connection& c, const std::vector<query_case>& cases,
                               const bench_options& o, const char* phase) {
  std::printf("\n%s: query cases (p50 / p99 ms over n runs; x = p50 / baseline p50)\n", phase);
  std::vector<timing> out;
  for (const auto& qc : cases) {
    out.push_back(time_case(c, qc, o));
    const auto& t = out.back();
    const double base = percentile(out.front().ms, 50);
    std::printf("  %-36s %9.2f / %9.2f  n=%-3zu x%-8.1f rows=%-4lld %-18s %s\n", qc.label.c_str(),
                percentile(t.ms, 50), percentile(t.ms, 99), t.ms.size(),
                percentile(t.ms, 50) / base, static_cast<long long>(t.rows), verdict(qc, t).c_str(),
                t.plan.c_str());
    std::fflush(stdout);
  }
  return out;
}

// The handler's pool keeps connections open; a fresh one's cost, for comparison.
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
  std::printf("  %-36s %9.2f / %9.2f  n=%zu (the query routes keep a pool of them)\n",
              "connection open + SELECT 1", percentile(ms, 50), percentile(ms, 99), ms.size());
}

// Sizes of logs (all partitions) and of each index of logs, summed over the partitions.
void print_sizes(pg::connection& c) {
  std::printf("  logs: %s heap in %s partitions; indexes:",
              query_text(c,
                         "SELECT pg_size_pretty(sum(pg_relation_size(name::regclass))) "
                         "FROM logs_partitions()")
                  .c_str(),
              query_text(c, "SELECT count(*) FROM logs_partitions()").c_str());
  auto r = query(c,
                 "SELECT regexp_replace(ci.relname, '^logs_[0-9t]+_|^logs_legacy_', ''), "
                 "pg_size_pretty(sum(pg_relation_size(ci.oid))) FROM logs_partitions() p "
                 "JOIN pg_index i ON i.indrelid = p.name::regclass "
                 "JOIN pg_class ci ON ci.oid = i.indexrelid GROUP BY 1 ORDER BY 1");
  for (std::size_t i = 0; i < r.size(); ++i)
    std::printf("%s %s %s", i ? "," : "", std::string(r.get(i, 0)).c_str(),
                std::string(r.get(i, 1)).c_str());
  std::printf("\n");
}

double timed_exec(pg::connection& c, std::string_view sql) {
  const auto t0 = clock_type::now();
  exec(c, sql);
  return seconds_since(t0);
}

// ---------------------------------------------------------------------------------------------
// Ingest cost of one index on its own

// An index measured: its name in the output, and its CREATE INDEX with {} for the table.
struct candidate {
  std::string label;
  std::vector<std::string> create;  // statements; "{t}" stands for the table
};

std::string on_table(std::string sql, const std::string& table) {
  for (auto at = sql.find("{t}"); at != std::string::npos; at = sql.find("{t}"))
    sql.replace(at, 3, table);
  return sql;
}

const std::vector<candidate>& candidates() {
  static const std::vector<candidate> all = {
      {"logs_problems (ingested_at, id) WHERE level IN (error, fatal) (0008)",
       {"CREATE INDEX {t}_problems ON {t} (ingested_at, id) WHERE level IN ('error', 'fatal')"}},
      {"logs_ts_brin USING brin (ts) (0009)",
       {"CREATE INDEX {t}_ts_brin ON {t} USING brin (ts) WITH (autosummarize = on)"}},
      {"shipped together (logs_problems + logs_ts_brin)",
       {"CREATE INDEX {t}_problems ON {t} (ingested_at, id) WHERE level IN ('error', 'fatal')",
        "CREATE INDEX {t}_ts_brin ON {t} USING brin (ts) WITH (autosummarize = on)"}},
      {"candidate (service, ingested_at, id) btree",
       {"CREATE INDEX {t}_service_id ON {t} (service, ingested_at, id)"}},
      {"candidate ts btree", {"CREATE INDEX {t}_ts ON {t} (ts)"}},
      {"candidate pg_trgm GIN on message",
       {"CREATE INDEX {t}_trgm ON {t} USING gin (message gin_trgm_ops)"}},
  };
  return all;
}

struct copy_result {
  double with_s = 0, plain_s = 0;
  std::int64_t rows = 0;
};

// cost_plain and cost_with: like one partition without the query indexes (UNIQUE (service,
// seq), (ingested_at, id)), each holding the same `base` rows from row `first` on.
void make_cost_tables(pg::connection& c, std::int64_t first, std::int64_t base) {
  const auto start = clock_type::now();
  for (const char* t : {"cost_plain", "cost_with"}) {
    exec(c, "CREATE TABLE " + std::string(t) + " (LIKE logs INCLUDING DEFAULTS)");
    exec(c, "ALTER TABLE " + std::string(t) + " ADD UNIQUE (service, seq)");
    exec(c, "CREATE INDEX ON " + std::string(t) + " (ingested_at, id)");
    const std::string a = std::to_string(first), n = std::to_string(base);
    const pg::param params[] = {a, n};
    query(c,
          "INSERT INTO " + std::string(t) +
              " (service, seq, level, message, request_id, ts, attrs, ingested_at) "
              "SELECT * FROM bench_rows($1::bigint, $2::bigint)",
          params);
    exec(c, "VACUUM ANALYZE " + std::string(t));
  }
  std::printf("  cost_plain, cost_with: %lld rows each (one partition's worth) in %.0f s\n",
              static_cast<long long>(base), seconds_since(start));
}

// `rows` new rows (from row `first` on) in transactions of the worker's size, each COPYd into
// cost_with and cost_plain, which of the two goes first alternating.
copy_result compare_copy(pg::connection& c, std::int64_t first, std::int64_t rows) {
  // The worker's transaction: worker::options::read_count (64) batches of 500.
  const std::int64_t chunk = 64 * batch_rows;
  exec(c, "CHECKPOINT");
  copy_result out;
  auto timed_copy = [&](const char* table, const std::string& data) {
    const auto t0 = clock_type::now();
    exec(c, "BEGIN");
    if (auto s = c.copy_in("COPY " + std::string(table) +
                               " (service, seq, level, message, request_id, ts, attrs, "
                               "ingested_at) FROM STDIN",
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
      out.with_s += timed_copy("cost_with", data);
      out.plain_s += timed_copy("cost_plain", data);
    } else {
      out.plain_s += timed_copy("cost_plain", data);
      out.with_s += timed_copy("cost_with", data);
    }
    out.rows += std::stoll(n);
  }
  return out;
}

// Each candidate index on its own: built on cost_with, the same rows COPYd into both tables,
// dropped. The rows are those after `next_row` (beyond what logs holds).
void measure_index_costs(pg::connection& c, std::int64_t next_row, const bench_options& o) {
  std::printf(
      "\ningest cost of each index on its own (COPY time into a partition-sized table with the "
      "index / without; %lld rows per index, transactions of 32 000 rows)\n",
      static_cast<long long>(o.copy_rows));
  make_cost_tables(c, next_row, o.copy_base_rows);
  next_row += o.copy_base_rows;
  for (const auto& cand : candidates()) {
    if (!o.candidates && cand.label.starts_with("candidate")) continue;
    double build = 0;
    for (const auto& sql : cand.create)
      build += timed_exec(c, on_table(sql, "cost_with"));
    auto r = compare_copy(c, next_row, o.copy_rows);
    next_row += o.copy_rows;
    std::printf("  %-58s build %6.1f s; %7.0f rows/s with, %7.0f without: time ratio %.2f%s\n",
                cand.label.c_str(), build, static_cast<double>(r.rows) / r.with_s,
                static_cast<double>(r.rows) / r.plain_s, r.with_s / r.plain_s,
                cand.label.starts_with("shipped")
                    ? (r.with_s / r.plain_s <= 1.2 ? "  ok (<= 1.2)" : "  MISS (<= 1.2)")
                    : "");
    std::fflush(stdout);
    auto idx = query(c,
                     "SELECT string_agg(indexrelid::regclass::text, ', ') FROM pg_index "
                     "WHERE indrelid = 'cost_with'::regclass AND NOT indisunique AND "
                     "indexrelid::regclass::text NOT LIKE '%ingested_at%'");
    if (!idx.is_null(0, 0)) exec(c, "DROP INDEX " + std::string(idx.get(0, 0)));
  }
  exec(c, "DROP TABLE cost_plain, cost_with");
}

// ---------------------------------------------------------------------------------------------

void print_summary(const std::vector<query_case>& cases,
                   const std::vector<std::vector<timing>>& phases,
                   const std::vector<const char*>& names) {
  std::printf("\nsummary: p50 / p99 ms per phase (x = p50 / that phase's baseline p50)\n");
  std::printf("  %-36s", "case");
  for (auto* n : names)
    std::printf(" | %-28s", n);
  std::printf(" | target (shipped)\n");
  for (std::size_t i = 0; i < cases.size(); ++i) {
    std::printf("  %-36s", cases[i].label.c_str());
    for (const auto& p : phases) {
      const double base = percentile(p.front().ms, 50);
      std::printf(" | %8.2f / %8.2f x%-7.1f", percentile(p[i].ms, 50), percentile(p[i].ms, 99),
                  percentile(p[i].ms, 50) / base);
    }
    std::printf(" | %s\n", phases.size() > 1 ? verdict(cases[i], phases[1][i]).c_str() : "");
  }
}

// `logs` as the backend would keep it for the data (ingest times 2026-11-01 on, `rows` rows
// 10 ms apart), without the query indexes.
void prepare_partitions(pg::connection& c, const bench_options& o) {
  auto period = retention::parse_period(o.retention);
  if (!period) throw std::runtime_error("--retention: expected 7d, 12h, 30m, 45s or off");
  const auto p = retention::make_policy(*period);
  exec(c, "ALTER TABLE logs DETACH PARTITION logs_legacy");
  exec(c, "SELECT logs_drop_detached('logs_legacy')");
  exec(c, "DROP INDEX logs_problems, logs_ts_brin");
  const std::string until =
      "'2026-11-01T00:00:01Z'::timestamptz + " + std::to_string(o.rows) + " * interval '10 ms'";
  exec(c, "SELECT logs_add_partitions(" + std::to_string(p.chunk.count()) +
              " * interval '1 second', " + until + ", '2026-11-01T00:00:00Z')");
  std::printf("  partitions of %lld s (--retention %s): %s\n",
              static_cast<long long>(p.chunk.count()), o.retention.c_str(),
              query_text(c, "SELECT count(*) FROM logs_partitions()").c_str());
}

int run(const bench_options& o, const std::string& command_line) {
  // A fresh database on TRACEHUB_TEST_PG_URL (scripts/test-env.sh), dropped at the end.
  auto db = testing::pg_database::create();
  auto c = db.connect();

  std::printf("TraceHub GET /logs query benchmark\n");
  std::printf("  command   %s\n  server    PostgreSQL %s (shared_buffers %s)\n",
              command_line.c_str(), query_text(c, "SHOW server_version").c_str(),
              query_text(c, "SHOW shared_buffers").c_str());

  if (auto m = pg::migrate(c, pg::backend_migrations()); !m)
    throw std::runtime_error("migrations: " + c.last_error());
  exec(c, generator_sql());
  prepare_partitions(c, o);

  std::printf("\nload: %lld rows into logs (PRIMARY KEY and UNIQUE (service, seq) per partition)\n",
              static_cast<long long>(o.rows));
  auto t0 = clock_type::now();
  load_rows(c, o.rows);
  exec(c, "VACUUM ANALYZE logs");
  std::printf("  loaded and vacuumed in %.0f s\n", seconds_since(t0));
  print_sizes(c);

  const auto cases = make_cases(c, o.rows);
  std::vector<std::vector<timing>> phases;
  std::vector<const char*> names;
  phases.push_back(time_cases(c, cases, o, "without the query indexes"));
  names.push_back("without query indexes");
  time_connect(db.url());

  std::printf("\nthe shipped query indexes on %lld rows\n", static_cast<long long>(o.rows));
  std::printf("  CREATE INDEX logs_problems (0008): %.1f s\n",
              timed_exec(c,
                         "CREATE INDEX logs_problems ON logs (ingested_at, id) "
                         "WHERE level IN ('error', 'fatal')"));
  std::printf("  CREATE INDEX logs_ts_brin (0009): %.1f s\n",
              timed_exec(c,
                         "CREATE INDEX logs_ts_brin ON logs USING brin (ts) "
                         "WITH (autosummarize = on)"));
  exec(c, "ANALYZE logs");
  print_sizes(c);
  phases.push_back(time_cases(c, cases, o, "with logs_problems + logs_ts_brin (shipped)"));
  names.push_back("shipped");

  if (o.candidates) exec(c, "CREATE EXTENSION IF NOT EXISTS pg_trgm");
  measure_index_costs(c, o.rows, o);

  if (o.candidates) {
    std::printf("\ncandidates left out, on logs\n");
    std::printf("  CREATE INDEX logs (ts): %.1f s\n",
                timed_exec(c, "CREATE INDEX bench_logs_ts ON logs (ts)"));
    std::printf(
        "  CREATE INDEX logs (service, ingested_at, id): %.1f s\n",
        timed_exec(c, "CREATE INDEX bench_logs_service_id ON logs (service, ingested_at, id)"));
    std::printf("  CREATE INDEX logs USING gin (message gin_trgm_ops): %.1f s\n",
                timed_exec(c,
                           "CREATE INDEX bench_logs_message_trgm ON logs "
                           "USING gin (message gin_trgm_ops)"));
    exec(c, "VACUUM ANALYZE logs");
    print_sizes(c);
    phases.push_back(
        time_cases(c, cases, o, "shipped + ts, (service, ingested_at, id), trigram GIN"));
    names.push_back("+ candidates");
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
  cli.add_option("--copy-rows", o.copy_rows, "rows COPYd per index in the ingest-cost comparison")
      ->check(CLI::Range(1'000LL, 100'000'000LL));
  cli.add_option("--copy-base-rows", o.copy_base_rows,
                 "rows already in each ingest-cost table (one partition's worth)")
      ->check(CLI::Range(0LL, 1'000'000'000LL));
  cli.add_option("--runs", o.runs, "timed runs per query case")->check(CLI::Range(3, 10'000));
  cli.add_option("--case-seconds", o.case_seconds,
                 "stop a case's runs after this (3 runs at least)")
      ->check(CLI::Range(0.0, 3600.0));
  cli.add_option("--retention", o.retention,
                 "as the backend's flag: picks the partition width (off: 1 day)");
  bool no_candidates = false;
  cli.add_flag("--no-candidates", no_candidates,
               "skip the indexes left out (ts btree, (service, id), pg_trgm GIN on message)");
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
