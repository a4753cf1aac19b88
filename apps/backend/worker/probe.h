// worker/probe.h — the worker's counters, written by the worker thread, read by anyone
// (relaxed atomics: counters, not synchronisation).
#pragma once

#include <atomic>
#include <cstdint>

namespace tracehub::worker {

class probe {
 public:
  void committed(std::int64_t entries, std::int64_t rows) {
    entries_.fetch_add(entries, std::memory_order_relaxed);
    rows_.fetch_add(rows, std::memory_order_relaxed);
  }
  void redelivered() { redelivered_.fetch_add(1, std::memory_order_relaxed); }
  void moved_to_retry(std::int64_t entries) {
    retried_.fetch_add(entries, std::memory_order_relaxed);
  }
  void postgres_up(bool up) { pg_up_.store(up, std::memory_order_relaxed); }
  void dead_lettered(std::int64_t rows) { dead_.fetch_add(rows, std::memory_order_relaxed); }

  std::int64_t entries() const { return entries_.load(std::memory_order_relaxed); }
  std::int64_t rows() const { return rows_.load(std::memory_order_relaxed); }
  std::int64_t redeliveries() const { return redelivered_.load(std::memory_order_relaxed); }
  std::int64_t retried() const { return retried_.load(std::memory_order_relaxed); }
  bool postgres_up() const { return pg_up_.load(std::memory_order_relaxed); }
  std::int64_t dead_letters() const { return dead_.load(std::memory_order_relaxed); }

  // The reset control: totals start again from zero.
  void reset() {
    entries_.store(0, std::memory_order_relaxed);
    rows_.store(0, std::memory_order_relaxed);
    redelivered_.store(0, std::memory_order_relaxed);
    retried_.store(0, std::memory_order_relaxed);
    dead_.store(0, std::memory_order_relaxed);
  }

 private:
  std::atomic<std::int64_t> entries_{0}, rows_{0}, redelivered_{0}, retried_{0}, dead_{0};
  std::atomic<bool> pg_up_{false};
};

}  // namespace tracehub::worker
