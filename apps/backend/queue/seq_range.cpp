#include "backend/queue/seq_range.h"

#include <charconv>

namespace tracehub::queue {

std::string format_ranges(const std::vector<seq_range>& ranges) {
  std::string out;
  for (const auto& r : ranges) {
    if (!out.empty()) out += ',';
    out += std::to_string(r.lo);
    out += '-';
    out += std::to_string(r.hi);
  }
  return out;
}

bool parse_ranges(std::string_view text, std::vector<seq_range>& out) {
  out.clear();
  while (!text.empty()) {
    seq_range r{};
    const char* end = text.data() + text.size();
    auto [p1, e1] = std::from_chars(text.data(), end, r.lo);
    if (e1 != std::errc{} || p1 == end || *p1 != '-') return false;
    auto [p2, e2] = std::from_chars(p1 + 1, end, r.hi);
    if (e2 != std::errc{} || r.hi < r.lo) return false;
    out.push_back(r);
    if (p2 == end) break;
    if (*p2 != ',') return false;
    text = std::string_view(p2 + 1, end - p2 - 1);
    if (text.empty()) return false;
  }
  return true;
}

}  // namespace tracehub::queue
