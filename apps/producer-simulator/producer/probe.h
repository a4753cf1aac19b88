// producer/probe.h — one service's producer counters, as published in producer:{svc}.
//
// Touched only on the io thread (the simulator has one), so plain integers.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>

#include "backend/base/clock.h"

namespace tracehub::producer {

class probe {
 public:
  void generated(std::int64_t n, steady::time_point now) {
    if (!started_) started_ = now;
    window_.emplace_back(now, n);
    trim_window(now);
  }
  void unsequenced_dropped(std::int64_t n) { unsequenced_dropped_ += n; }
  // Logs not produced while the buffer was at --max-buffer.
  void held_back(std::int64_t n) { held_back_ += n; }
  void batch_sent(std::int64_t entries) { sent_total_ += entries; }
  void send_failed() { ++send_errors_; }
  void batch_acked(std::int64_t entries, std::int64_t ack_till) {
    acked_total_ += entries;
    if (ack_till > last_ack_till_) last_ack_till_ = ack_till;
  }
  void batch_rejected() { ++rejected_; }
  // A batch read before a reset, dropped instead of sent into the new epoch.
  void batch_abandoned() { ++abandoned_; }
  // The seq counter went back (a reset): ackTills start again from 0.
  void new_epoch() { last_ack_till_ = 0; }
  void sequence_reused() { ++sequence_reused_; }
  void in_flight(int n) { in_flight_ = n; }

  // Logs generated per second over the last 5 s (over the time since the first, if shorter).
  double rate_eps(steady::time_point now) {
    trim_window(now);
    std::int64_t sum = 0;
    for (const auto& [t, n] : window_)
      sum += n;
    if (!started_) return 0;
    std::chrono::duration<double> span =
        std::clamp<steady::duration>(now - *started_, std::chrono::seconds(1), window_length);
    return static_cast<double>(sum) / span.count();
  }
  std::int64_t sent_total() const { return sent_total_; }
  std::int64_t acked_total() const { return acked_total_; }
  std::int64_t send_errors() const { return send_errors_; }
  std::int64_t rejected() const { return rejected_; }
  std::int64_t abandoned() const { return abandoned_; }
  std::int64_t last_ack_till() const { return last_ack_till_; }
  std::int64_t unsequenced_dropped() const { return unsequenced_dropped_; }
  std::int64_t held_back() const { return held_back_; }
  std::int64_t sequence_reused_count() const { return sequence_reused_; }
  int in_flight() const { return in_flight_; }

 private:
  void trim_window(steady::time_point now) {
    while (!window_.empty() && now - window_.front().first > window_length)
      window_.pop_front();
  }

  static constexpr steady::duration window_length = std::chrono::seconds(5);
  std::optional<steady::time_point> started_;
  std::deque<std::pair<steady::time_point, std::int64_t>> window_;
  std::int64_t sent_total_ = 0, acked_total_ = 0, send_errors_ = 0, rejected_ = 0, abandoned_ = 0;
  std::int64_t last_ack_till_ = 0, unsequenced_dropped_ = 0, held_back_ = 0;
  std::int64_t sequence_reused_ = 0;
  int in_flight_ = 0;
};

}  // namespace tracehub::producer
