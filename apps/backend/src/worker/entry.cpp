#include "worker/entry.h"

#include <algorithm>
#include <charconv>

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
  while (!rows.empty()) {
    auto end = rows.find('\n');
    std::string_view row = rows.substr(0, end == std::string_view::npos ? rows.size() : end + 1);
    rows.remove_prefix(row.size());
    auto tab = row.find('\t');
    std::int64_t seq = 0;
    if (tab != std::string_view::npos)
      std::from_chars(row.data() + tab + 1, row.data() + row.size(), seq);
    if (!in_ranges(seq, dups)) kept.append(row);
  }
  return kept;
}

}  // namespace tracehub::worker
