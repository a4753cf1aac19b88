#include "backend/stats/latency_histogram.h"

#include <algorithm>
#include <cmath>

namespace tracehub::stats {

namespace {
const double log_step = std::log(1.05);
}

int latency_histogram::bucket_of(double ms) {
  double us = ms * 1000.0;
  if (!(us > 1.0)) return 0;  // also NaN
  int b = static_cast<int>(std::ceil(std::log(us) / log_step));
  return std::clamp(b, 0, bucket_count - 1);
}

double latency_histogram::value_of(int bucket) {
  if (bucket <= 0) return 0.001;
  // The upper bound of (1.05^(b-1), 1.05^b] µs: a percentile is never reported below a
  // sample it stands for (an ACK held 3 s reads as 3.0-3.15 s, not 2.97).
  return std::exp(bucket * log_step) / 1000.0;
}

void latency_histogram::merge(const latency_histogram& other) {
  for (std::size_t i = 0; i < counts_.size(); ++i)
    counts_[i] += other.counts_[i];
}

std::int64_t latency_histogram::count() const {
  std::int64_t n = 0;
  for (auto c : counts_)
    n += c;
  return n;
}

double latency_histogram::quantile(double q) const {
  auto total = count();
  if (total == 0) return 0;
  // The smallest bucket whose cumulative count reaches ceil(q * total).
  auto rank = static_cast<std::int64_t>(std::ceil(q * static_cast<double>(total)));
  rank = std::clamp<std::int64_t>(rank, 1, total);
  std::int64_t seen = 0;
  for (int b = 0; b < bucket_count; ++b) {
    seen += counts_[static_cast<std::size_t>(b)];
    if (seen >= rank) return value_of(b);
  }
  return value_of(bucket_count - 1);
}

}  // namespace tracehub::stats
