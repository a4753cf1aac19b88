// stats/latency_histogram.h — a fixed-size histogram of latencies with 5 % wide buckets.
//
// Bucket b holds latencies in (base * 1.05^(b-1), base * 1.05^b] microseconds, from 1 µs to
// about 35 minutes; anything longer lands in the last bucket. A percentile is read as the
// upper bound of its bucket: at most 5 % above the true sample, never below. Not thread-safe:
// the recorder guards it.
#pragma once

#include <array>
#include <cstdint>

namespace tracehub::stats {

class latency_histogram {
 public:
  static constexpr int bucket_count = 440;

  static int bucket_of(double ms);
  static double value_of(int bucket);  // the bucket's representative latency, in ms

  void add(double ms) { ++counts_[static_cast<std::size_t>(bucket_of(ms))]; }
  // Bucket by bucket, for sending a histogram to another process (stats/recorder.h).
  void add_count(int bucket, std::int64_t n) {
    if (bucket >= 0 && bucket < bucket_count && n > 0)
      counts_[static_cast<std::size_t>(bucket)] += n;
  }
  std::int64_t count_at(int bucket) const { return counts_[static_cast<std::size_t>(bucket)]; }
  void merge(const latency_histogram& other);
  void clear() { counts_.fill(0); }

  std::int64_t count() const;
  // The latency at quantile q (0 < q <= 1), in ms; 0 when empty.
  double quantile(double q) const;

 private:
  std::array<std::int64_t, bucket_count> counts_{};
};

}  // namespace tracehub::stats
