// ingest/batch_parser.h — body bytes to a validated, rendered batch (docs/PROTOCOL.md, "Ingest").
//
// batch_parser::parse() checks every rule of "Ingest" that needs no server state (the max-gap rule
// needs the service's ackTill and is checked atomically in Redis, see ack_script.h). On success the
// batch's rows are already rendered as COPY text rows (queue/copy_row.h), so neither Redis nor the
// worker ever parses JSON again. Duplicate seqs inside the batch keep their first occurrence
// and are counted.
//
// One parser per thread: it reuses its simdjson buffers between calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <simdjson.h>

#include "backend/ingest/rejection.h"
#include "backend/queue/seq_range.h"

namespace tracehub::ingest {

struct limits {
  std::size_t max_body_bytes = 8 * 1024 * 1024;
  std::size_t max_entries = 10'000;
  std::size_t max_message_bytes = 64 * 1024;
  std::size_t max_request_id_chars = 128;
  std::int64_t max_gap = 100'000;
};

inline constexpr std::int64_t max_seq = (std::int64_t{1} << 53) - 1;

// A service name: 1-64 characters of a-z, 0-9, '.', '_', '-' (docs/PROTOCOL.md, "Ingest").
bool valid_service(std::string_view s);
// A producer id: 1-64 characters of A-Z, a-z, 0-9, '.', '_', ':', '-' (docs/PROTOCOL.md,
// "Producer ids").
bool valid_producer_id(std::string_view s);

struct parsed_batch {
  std::string service;
  // The sequence space's owner this batch claims ("" when the body has no producerId).
  std::string producer_id;
  // The rows, rendered by queue::append_row (queue/copy_row.h).
  std::string rows;
  // The batch's distinct seqs as ascending, disjoint, non-adjacent ranges.
  std::vector<queue::seq_range> runs;
  std::size_t in_batch_duplicates = 0;
  // Entries at level error or fatal (repeated seqs included), for the error rate.
  std::size_t error_entries = 0;
  std::size_t entries = 0;  // entries in the body, repeated seqs included
  // seq -> first entry index, ascending by seq (to name the entry a server-side check blames).
  std::vector<std::pair<std::int64_t, std::size_t>> seq_index;
};

class batch_parser {
 public:
  explicit batch_parser(limits l) : limits_(l) {}

  // `body` is padded in place for simdjson (capacity may grow). `received_at_ms` is the
  // timestamp given to entries without `ts`.
  std::variant<parsed_batch, rejection> parse(std::string& body, std::int64_t received_at_ms);

  const limits& limits_in_force() const { return limits_; }

 private:
  limits limits_;
  simdjson::dom::parser parser_;
};

}  // namespace tracehub::ingest
