// stats/recorder.h — the live rates behind SystemMetrics: logs ingested (per service, and how
// many at level error/fatal), rows inserted, and ACK latencies, in one-second slots over a
// sliding window, plus totals since start (or since the last reset) for Prometheus.
//
// Written by the ingest handler (io thread) and the workers (their threads); read by the
// metrics module. Every call takes one mutex for a few additions: cheap next to a batch.
// Rates count complete seconds only (the last `rate_window` before the current one), so a
// chart of them does not jitter with the phase of the current second.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "backend/stats/latency_histogram.h"

namespace tracehub::stats {

struct service_rates {
  std::string service;
  double eps = 0;         // logs/s accepted over the window
  double error_rate = 0;  // share (0..1) of those at level error or fatal
  std::int64_t logs_total = 0, errors_total = 0;
};

// Cumulative ACK latency counts for Prometheus: `buckets[i]` counts latencies <= bounds_s[i].
struct latency_totals {
  static constexpr std::array<double, 13> bounds_s{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                   0.25,  0.5,    1,     2.5,  5,     10};
  std::array<std::int64_t, bounds_s.size()> buckets{};
  std::int64_t count = 0;
  double sum_s = 0;
};

struct rates_view {
  double ingest_eps = 0, insert_eps = 0, error_rate = 0;
  double ack_p50_ms = 0, ack_p95_ms = 0, ack_p99_ms = 0;
  std::int64_t ack_count = 0;  // ACKs in the latency window
  std::int64_t logs_total = 0, errors_total = 0, rows_total = 0;
  std::vector<service_rates> services;  // by name
  latency_totals latency;
};

// Everything a recorder holds: the per-second slots still in its ring and its totals. One
// process publishes its own (metrics/share.h); adding the states of every process into one
// recorder gives the system's rates, totals and latency percentiles.
struct recorder_state {
  struct service {
    std::string name;
    std::int64_t logs_total = 0, errors_total = 0;
    std::vector<std::array<std::int64_t, 3>> slots;  // {second, logs, errors}
  };
  std::vector<service> services;
  std::vector<std::array<std::int64_t, 2>> inserted;  // {second, rows}
  std::int64_t rows_total = 0;
  std::vector<std::array<std::int64_t, 3>> latency;  // {second, bucket, count}, non-zero only
  latency_totals totals;
};

class recorder {
 public:
  explicit recorder(std::chrono::seconds rate_window = std::chrono::seconds(10),
                    std::chrono::seconds latency_window = std::chrono::seconds(30));

  void ingested(std::string_view service, std::int64_t logs, std::int64_t errors,
                std::int64_t now_ms);
  void inserted(std::int64_t rows, std::int64_t now_ms);
  void ack_latency(double ms, std::int64_t now_ms);

  rates_view read(std::int64_t now_ms) const;
  std::chrono::seconds rate_window() const { return rate_window_; }

  // Forgets everything (the `reset` control).
  void clear();

  recorder_state state() const;
  // Adds `s` (another process's state) to this recorder's slots and totals. Seconds older
  // than what a slot holds now are skipped.
  void add(const recorder_state& s);

 private:
  static constexpr std::size_t ring = 64;  // seconds kept; > both windows
  struct count_slot {
    std::int64_t second = -1;
    std::int64_t logs = 0, errors = 0;
  };
  struct latency_slot {
    std::int64_t second = -1;
    latency_histogram histogram;
  };
  struct service_state {
    std::array<count_slot, ring> slots{};
    std::int64_t logs_total = 0, errors_total = 0;
  };

  static count_slot& slot_for(std::array<count_slot, ring>& slots, std::int64_t second);
  // Sums the complete seconds of the window ending before `now_s`.
  void sum_window(const std::array<count_slot, ring>& slots, std::int64_t now_s, std::int64_t& logs,
                  std::int64_t& errors) const;

  const std::chrono::seconds rate_window_, latency_window_;
  mutable std::mutex mutex_;
  std::map<std::string, service_state, std::less<>> services_;
  std::array<count_slot, ring> inserted_{};
  std::int64_t rows_total_ = 0;
  std::array<latency_slot, ring> latency_{};
  latency_totals latency_totals_;
};

}  // namespace tracehub::stats
