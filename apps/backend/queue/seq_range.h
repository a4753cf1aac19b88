// queue/seq_range.h — an inclusive range of seqs, and its text forms.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tracehub::queue {

struct seq_range {
  std::int64_t lo;
  std::int64_t hi;  // inclusive; lo <= hi
  std::int64_t size() const { return hi - lo + 1; }
  bool operator==(const seq_range&) const = default;
};

// "1-4,9-9": the form queue entries carry ranges in. Empty string for no ranges. (The ACK
// state's range sets use another form, "lo:hi": keyspace/range.h.)
std::string format_ranges(const std::vector<seq_range>& ranges);
// Inverse of format_ranges; returns false on malformed text.
bool parse_ranges(std::string_view text, std::vector<seq_range>& out);

}  // namespace tracehub::queue
