#include "backend/audit/ranges.h"

#include <algorithm>

namespace tracehub::audit {

ranges normalize(ranges r) {
  std::sort(r.begin(), r.end(), [](const auto& x, const auto& y) { return x.lo < y.lo; });
  ranges out;
  for (const auto& x : r) {
    if (!out.empty() && x.lo <= out.back().hi + 1)
      out.back().hi = std::max(out.back().hi, x.hi);
    else
      out.push_back(x);
  }
  return out;
}

ranges subtract(const ranges& a, const ranges& b) {
  auto minus = normalize(b);
  ranges out;
  std::size_t j = 0;
  for (auto x : normalize(a)) {
    while (j < minus.size() && minus[j].hi < x.lo)
      ++j;
    auto lo = x.lo;
    for (auto k = j; k < minus.size() && minus[k].lo <= x.hi; ++k) {
      if (minus[k].lo > lo) out.push_back({lo, minus[k].lo - 1});
      lo = std::max(lo, minus[k].hi + 1);
    }
    if (lo <= x.hi) out.push_back({lo, x.hi});
  }
  return out;
}

ranges intersect(const ranges& a, const ranges& b) {
  return subtract(a, subtract(a, b));
}

ranges split(const ranges& r, std::int64_t size) {
  ranges out;
  for (const auto& x : r)
    for (auto lo = x.lo; lo <= x.hi; lo += size)
      out.push_back({lo, std::min(x.hi, lo + size - 1)});
  return out;
}

std::int64_t count(const ranges& r) {
  std::int64_t n = 0;
  for (const auto& x : r)
    n += x.size();
  return n;
}

}  // namespace tracehub::audit
