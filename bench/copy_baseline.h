// bench/copy_baseline.h — the ceiling the pipeline is measured against: a raw COPY of the very
// rows the pipeline stored into an empty copy of `logs`, in transactions the size of the
// worker's (one COPY + COMMIT per `batches_per_copy` batches).
//
// The rows are rendered by ingest::batch_parser from the same bodies the producers posted, so
// the COPY text is byte for byte what the backend queued. The binary baseline sends the same
// rows converted by queue/copy_binary.h, the converter the worker uses. Rendering and converting
// are not timed; only BEGIN, COPY and COMMIT are.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/producers.h"

namespace tracehub::bench {

// The rows of `batches` (in that order) as COPY text, one string per transaction.
struct baseline_rows {
  std::vector<std::string> chunks;  // each the rows of up to `batches_per_copy` batches
  std::int64_t rows = 0;
  std::string error;  // empty on success
};

baseline_rows render_baseline_rows(const std::vector<accepted_batch>& batches,
                                   std::size_t batches_per_copy);

// The same chunks as binary COPY streams (header, tuples of copy_columns, trailer).
baseline_rows to_binary(const baseline_rows& text);

enum class copy_format { text, binary };

struct baseline_result {
  std::int64_t rows_stored = 0;  // count(*) of the table afterwards
  std::size_t transactions = 0;
  double seconds = 0;  // BEGIN..COMMIT of all transactions
  std::string error;   // empty on success
};

// Untimed: VACUUM (ANALYZE) logs (no autovacuum of the pipeline's table during the baseline),
// (re)CREATE TABLE logs_copy_baseline (LIKE logs INCLUDING ALL), CHECKPOINT. Timed: each chunk
// COPYd in its own transaction, in `format`. Fills `error` instead of throwing.
baseline_result run_copy_baseline(const std::string& database_url, const baseline_rows& rows,
                                  copy_format format = copy_format::text);

}  // namespace tracehub::bench
