// testing/pipeline.h — what end-to-end tests of the pipeline share: batch bodies, posting
// with a parsed ACK, polling with a deadline, counting stored rows. For GoogleTest only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "backend/pg/connection.h"
#include "backend/testing/http_client.h"

namespace tracehub::testing {

// {"service": service, "batch": [{"seq": s, "level": "info", "message": "m-<s>"}, ...]}; with
// `ts_ms` (one per seq), each log also carries "ts": its epoch milliseconds. The logs of the seqs
// in `poison` carry the message "poison" instead (tests make Postgres refuse it with a CHECK
// constraint, docs/PROTOCOL.md, "Dead letters").
std::string batch_body(const std::string& service, const std::vector<std::int64_t>& seqs,
                       const std::vector<std::int64_t>& ts_ms = {},
                       const std::vector<std::int64_t>& poison = {});

// seqs lo..hi inclusive.
std::vector<std::int64_t> seq_span(std::int64_t lo, std::int64_t hi);

struct ack {
  unsigned status = 0;
  boost::json::object body;  // the ACK, or the error body
  std::vector<std::int64_t> missing() const;
  std::int64_t num(const char* key) const;  // an integer field of the body
};

ack post_batch(http_client& c, const std::string& service, const std::vector<std::int64_t>& seqs);
ack post_raw(http_client& c, std::string body, std::string_view content_type = "application/json");

// Polls `pred` every 50 ms until it holds or `limit` passes; returns its last value.
bool eventually(const std::function<bool()>& pred,
                std::chrono::milliseconds limit = std::chrono::seconds(60));

struct row_counts {
  std::int64_t rows = 0, distinct_seqs = 0, min_seq = 0, max_seq = 0;
};
// Counts of logs rows for `service` ("" for all services), -1 rows if Postgres is unreachable.
row_counts count_rows(const std::string& database_url, const std::string& service = "");

}  // namespace tracehub::testing
