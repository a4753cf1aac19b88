#include "worker/entry.h"

#include <algorithm>

#include "queue/copy_row.h"

namespace tracehub::worker {

namespace {

bool in_ranges(std::int64_t seq, const std::vector<queue::seq_range>& ranges) {
  return std::any_of(ranges.begin(), ranges.end(),
                     [seq](const queue::seq_range& r) { return r.lo <= seq && seq <= r.hi; });
}

}  // namespace

std::string drop_rows_in(std::string_view rows, const std::vector<queue::seq_range>& dups) {
  std::string kept;
  kept.reserve(rows.size());
  queue::for_each_row(rows, [&](std::string_view row) {
    if (!in_ranges(queue::row_seq(row), dups)) kept.append(row);
  });
  return kept;
}

}  // namespace tracehub::worker
