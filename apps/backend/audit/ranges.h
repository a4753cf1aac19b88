// audit/ranges.h — arithmetic on sorted lists of inclusive seq ranges.
#pragma once

#include <vector>

#include "backend/queue/seq_range.h"

namespace tracehub::audit {

using ranges = std::vector<queue::seq_range>;

// Sorted by lo, overlapping and adjacent ranges merged. Takes any order.
ranges normalize(ranges r);
// The seqs of `a` that are in no range of `b`.
ranges subtract(const ranges& a, const ranges& b);
// The seqs in both.
ranges intersect(const ranges& a, const ranges& b);
// Splits each range into pieces of at most `size` seqs.
ranges split(const ranges& r, std::int64_t size);
// Seqs covered.
std::int64_t count(const ranges& r);

}  // namespace tracehub::audit
