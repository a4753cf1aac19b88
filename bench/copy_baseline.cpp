#include "bench/copy_baseline.h"

#include <algorithm>
#include <optional>

#include "backend/base/clock.h"
#include "backend/ingest/batch_parser.h"
#include "backend/pg/connection.h"
#include "backend/queue/copy_binary.h"
#include "backend/queue/copy_row.h"
#include "bench/workload.h"

namespace tracehub::bench {

namespace {

// The same statement as the worker's (worker/sql.h), aimed at the baseline table: one like a
// partition of logs (LIKE copies the partitioned table's own indexes; each partition's UNIQUE
// (service, seq) is added as logs_add_partitions adds it, migration 0008).
constexpr std::string_view create_table =
    "DROP TABLE IF EXISTS logs_copy_baseline; "
    "CREATE TABLE logs_copy_baseline (LIKE logs INCLUDING ALL); "
    "ALTER TABLE logs_copy_baseline ADD UNIQUE (service, seq)";
const std::string copy_rows =
    "COPY logs_copy_baseline (" + std::string(queue::copy_columns) + ") FROM STDIN";
const std::string copy_rows_binary = copy_rows + " (FORMAT binary)";

std::string describe(const pg::connection& c, const error_code& ec) {
  return ec.message() + (c.last_error().empty() ? "" : ": " + c.last_error());
}

}  // namespace

baseline_rows render_baseline_rows(const std::vector<accepted_batch>& batches,
                                   std::size_t batches_per_copy) {
  baseline_rows out;
  batches_per_copy = std::max<std::size_t>(batches_per_copy, 1);
  ingest::batch_parser parser(ingest::limits{});
  const std::int64_t now_ms = now_epoch_ms();  // unused: every entry carries its own ts
  for (std::size_t i = 0; i < batches.size(); ++i) {
    const auto& b = batches[i];
    std::string body = batch_body(service_name(b.service), b.first_seq, b.count);
    auto parsed = parser.parse(body, now_ms);
    if (auto* r = std::get_if<ingest::rejection>(&parsed)) {
      out.error = "the parser refused a benchmark body: " + r->detail;
      return out;
    }
    const auto& batch = std::get<ingest::parsed_batch>(parsed);
    if (i % batches_per_copy == 0) out.chunks.emplace_back();
    out.chunks.back() += batch.rows;
    out.rows += std::count(batch.rows.begin(), batch.rows.end(), '\n');
  }
  return out;
}

baseline_rows to_binary(const baseline_rows& text) {
  baseline_rows out;
  out.rows = text.rows;
  out.error = text.error;
  for (const auto& chunk : text.chunks) {
    auto& b = out.chunks.emplace_back();
    b.reserve(chunk.size() + chunk.size() / 4);
    queue::append_binary_header(b);
    if (const char* why = queue::append_binary_rows(b, chunk, std::nullopt)) {
      out.error = std::string("the binary converter refused a benchmark row: ") + why;
      return out;
    }
    queue::append_binary_trailer(b);
  }
  return out;
}

baseline_result run_copy_baseline(const std::string& database_url, const baseline_rows& rows,
                                  copy_format format) {
  baseline_result out;
  auto c = pg::connection::open(database_url);
  if (!c) {
    out.error = "cannot connect to the benchmark database: " + c.error().message();
    return out;
  }
  // Untimed: VACUUM ANALYZE logs, so an autovacuum of the pipeline's freshly written table does
  // not run (and bill its CPU and disk) during the baseline; CHECKPOINT, so the pipeline's dirty
  // pages are not written on the baseline's time.
  for (std::string_view sql :
       {std::string_view("VACUUM (ANALYZE) logs"), create_table, std::string_view("CHECKPOINT")}) {
    if (auto s = c->exec(sql); !s) {
      out.error = std::string(sql) + ": " + describe(*c, s.error());
      return out;
    }
  }
  const auto start = std::chrono::steady_clock::now();
  for (const auto& chunk : rows.chunks) {
    status s = c->exec("BEGIN");
    if (s) s = c->copy_in(format == copy_format::binary ? copy_rows_binary : copy_rows, chunk);
    if (s) s = c->exec("COMMIT");
    if (!s) {
      out.error = "baseline COPY: " + describe(*c, s.error());
      return out;
    }
    ++out.transactions;
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto n = c->query("SELECT count(*) FROM logs_copy_baseline");
  if (n) out.rows_stored = n->get_int(0, 0);
  return out;
}

}  // namespace tracehub::bench
