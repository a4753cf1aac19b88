// worker/entry.h — one queue entry as the worker sees it (fields: queue/keys.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "queue/seq_range.h"
#include "redis/reply.h"

namespace tracehub::worker {

struct entry {
  std::string id;  // stream entry id
  std::string service;
  std::string rows;  // COPY text rows; duplicates (dups) already filtered out
  std::vector<queue::seq_range> gaps;
  std::string batch_id;
  std::int64_t ack_till = 0, contiguous_till = 0, missing_total = 0, version = 0;
  std::int64_t acked_at_ms = 0;
  std::int64_t attempts = 0;
  bool from_dead_letters = false;  // re-queued by an operator (field origin)
  bool deleted = false;            // pending but already deleted from the stream: acknowledge only
  std::int64_t row_count = 0;
};

// Decodes a stream reply's entry list ([[id, [field, value, ...]], ...]; nil entries are
// pending ones already deleted). errc::protocol on an unexpected shape.
result<std::vector<entry>> decode_entries(redis::reply_view list);

// Removes from `rows` every row whose seq (second column) lies in one of `dups`.
std::string drop_rows_in(std::string_view rows, const std::vector<queue::seq_range>& dups);

}  // namespace tracehub::worker
