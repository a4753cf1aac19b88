// stats/ingest_probe.h — the ingest handler's counters. Incremented on the io thread, read by
// the metrics module from any thread (relaxed atomics: counters, not synchronisation), reset
// by the reset control. Here, not in ingest/, so metrics and control read them without
// depending on the ingest path.
#pragma once

#include <atomic>
#include <cstdint>

namespace tracehub::stats {

class ingest_probe {
 public:
  void batch_acked(std::int64_t accepted, std::int64_t duplicates, std::int64_t new_gaps) {
    batches_.fetch_add(1, std::memory_order_relaxed);
    logs_.fetch_add(accepted, std::memory_order_relaxed);
    duplicates_.fetch_add(duplicates, std::memory_order_relaxed);
    gaps_.fetch_add(new_gaps, std::memory_order_relaxed);
  }
  void batch_rejected() { rejected_.fetch_add(1, std::memory_order_relaxed); }
  void unavailable() { unavailable_.fetch_add(1, std::memory_order_relaxed); }
  void dropped() { dropped_.fetch_add(1, std::memory_order_relaxed); }

  std::int64_t batches() const { return batches_.load(std::memory_order_relaxed); }
  std::int64_t logs() const { return logs_.load(std::memory_order_relaxed); }
  std::int64_t duplicates() const { return duplicates_.load(std::memory_order_relaxed); }
  std::int64_t gaps() const { return gaps_.load(std::memory_order_relaxed); }
  std::int64_t rejected() const { return rejected_.load(std::memory_order_relaxed); }
  std::int64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  std::int64_t unavailable_count() const { return unavailable_.load(std::memory_order_relaxed); }

  // The reset control: totals start again from zero.
  void reset() {
    batches_.store(0, std::memory_order_relaxed);
    logs_.store(0, std::memory_order_relaxed);
    duplicates_.store(0, std::memory_order_relaxed);
    gaps_.store(0, std::memory_order_relaxed);
    rejected_.store(0, std::memory_order_relaxed);
    unavailable_.store(0, std::memory_order_relaxed);
    dropped_.store(0, std::memory_order_relaxed);
  }

 private:
  std::atomic<std::int64_t> batches_{0}, logs_{0}, duplicates_{0}, gaps_{0}, rejected_{0},
      unavailable_{0}, dropped_{0};
};

}  // namespace tracehub::stats
