#include "backend/stats/recorder.h"

#include <algorithm>

namespace tracehub::stats {

namespace {

std::int64_t second_of(std::int64_t ms) {
  return ms / 1000;
}

}  // namespace

recorder::recorder(std::chrono::seconds rate_window, std::chrono::seconds latency_window)
    : rate_window_(std::clamp(rate_window, std::chrono::seconds(1),
                              std::chrono::seconds(static_cast<long>(ring) - 2))),
      latency_window_(std::clamp(latency_window, std::chrono::seconds(1),
                                 std::chrono::seconds(static_cast<long>(ring) - 2))) {}

recorder::count_slot& recorder::slot_for(std::array<count_slot, ring>& slots, std::int64_t second) {
  auto& s = slots[static_cast<std::size_t>(second) % ring];
  if (s.second != second) s = count_slot{second, 0, 0};
  return s;
}

void recorder::sum_window(const std::array<count_slot, ring>& slots, std::int64_t now_s,
                          std::int64_t& logs, std::int64_t& errors) const {
  logs = errors = 0;
  for (std::int64_t sec = now_s - rate_window_.count(); sec < now_s; ++sec) {
    const auto& s = slots[static_cast<std::size_t>(sec) % ring];
    if (s.second != sec) continue;
    logs += s.logs;
    errors += s.errors;
  }
}

void recorder::ingested(std::string_view service, std::int64_t logs, std::int64_t errors,
                        std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  auto it = services_.find(service);
  if (it == services_.end()) it = services_.emplace(std::string(service), service_state{}).first;
  auto& slot = slot_for(it->second.slots, second_of(now_ms));
  slot.logs += logs;
  slot.errors += errors;
  it->second.logs_total += logs;
  it->second.errors_total += errors;
}

void recorder::inserted(std::int64_t rows, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  slot_for(inserted_, second_of(now_ms)).logs += rows;
  rows_total_ += rows;
}

void recorder::ack_latency(double ms, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  auto second = second_of(now_ms);
  auto& slot = latency_[static_cast<std::size_t>(second) % ring];
  if (slot.second != second) {
    slot.second = second;
    slot.histogram.clear();
  }
  slot.histogram.add(ms);
  auto& t = latency_totals_;
  double s = ms / 1000.0;
  for (std::size_t i = 0; i < t.bounds_s.size(); ++i)
    if (s <= t.bounds_s[i]) ++t.buckets[i];
  ++t.count;
  t.sum_s += s;
}

rates_view recorder::read(std::int64_t now_ms) const {
  rates_view v;
  const auto now_s = second_of(now_ms);
  const double window = static_cast<double>(rate_window_.count());
  std::lock_guard lock(mutex_);
  std::int64_t all_logs = 0, all_errors = 0;
  for (const auto& [name, st] : services_) {
    std::int64_t logs = 0, errors = 0;
    sum_window(st.slots, now_s, logs, errors);
    all_logs += logs;
    all_errors += errors;
    v.services.push_back({name, static_cast<double>(logs) / window,
                          logs > 0 ? static_cast<double>(errors) / static_cast<double>(logs) : 0,
                          st.logs_total, st.errors_total});
    v.logs_total += st.logs_total;
    v.errors_total += st.errors_total;
  }
  v.ingest_eps = static_cast<double>(all_logs) / window;
  v.error_rate = all_logs > 0 ? static_cast<double>(all_errors) / static_cast<double>(all_logs) : 0;
  std::int64_t rows = 0, unused = 0;
  sum_window(inserted_, now_s, rows, unused);
  v.insert_eps = static_cast<double>(rows) / window;
  v.rows_total = rows_total_;

  // Latency: the window including the current second (an ACK is news at once).
  latency_histogram merged;
  for (std::int64_t sec = now_s - latency_window_.count() + 1; sec <= now_s; ++sec) {
    const auto& s = latency_[static_cast<std::size_t>(sec) % ring];
    if (s.second == sec) merged.merge(s.histogram);
  }
  v.ack_count = merged.count();
  v.ack_p50_ms = merged.quantile(0.50);
  v.ack_p95_ms = merged.quantile(0.95);
  v.ack_p99_ms = merged.quantile(0.99);
  v.latency = latency_totals_;
  return v;
}

void recorder::clear() {
  std::lock_guard lock(mutex_);
  services_.clear();
  inserted_ = {};
  rows_total_ = 0;
  for (auto& s : latency_) {
    s.second = -1;
    s.histogram.clear();
  }
  latency_totals_ = {};
}

recorder_state recorder::state() const {
  recorder_state out;
  std::lock_guard lock(mutex_);
  for (const auto& [name, st] : services_) {
    recorder_state::service sv{name, st.logs_total, st.errors_total, {}};
    for (const auto& slot : st.slots)
      if (slot.second >= 0 && (slot.logs != 0 || slot.errors != 0))
        sv.slots.push_back({slot.second, slot.logs, slot.errors});
    out.services.push_back(std::move(sv));
  }
  for (const auto& slot : inserted_)
    if (slot.second >= 0 && slot.logs != 0) out.inserted.push_back({slot.second, slot.logs});
  out.rows_total = rows_total_;
  for (const auto& slot : latency_) {
    if (slot.second < 0) continue;
    for (int b = 0; b < latency_histogram::bucket_count; ++b)
      if (auto n = slot.histogram.count_at(b); n > 0) out.latency.push_back({slot.second, b, n});
  }
  out.totals = latency_totals_;
  return out;
}

void recorder::add(const recorder_state& s) {
  std::lock_guard lock(mutex_);
  // The slot of `second`, or null when it holds a later second already.
  auto count_at = [](std::array<count_slot, ring>& slots, std::int64_t second) -> count_slot* {
    auto& slot = slots[static_cast<std::size_t>(second) % ring];
    if (slot.second > second) return nullptr;
    return &slot_for(slots, second);
  };
  for (const auto& sv : s.services) {
    auto it = services_.find(sv.name);
    if (it == services_.end()) it = services_.emplace(sv.name, service_state{}).first;
    for (const auto& [second, logs, errors] : sv.slots) {
      if (second < 0) continue;
      if (auto* slot = count_at(it->second.slots, second)) {
        slot->logs += logs;
        slot->errors += errors;
      }
    }
    it->second.logs_total += sv.logs_total;
    it->second.errors_total += sv.errors_total;
  }
  for (const auto& [second, rows] : s.inserted)
    if (second >= 0)
      if (auto* slot = count_at(inserted_, second)) slot->logs += rows;
  rows_total_ += s.rows_total;
  for (const auto& [second, bucket, n] : s.latency) {
    if (second < 0) continue;
    auto& slot = latency_[static_cast<std::size_t>(second) % ring];
    if (slot.second > second) continue;
    if (slot.second != second) {
      slot.second = second;
      slot.histogram.clear();
    }
    slot.histogram.add_count(static_cast<int>(bucket), n);
  }
  auto& t = latency_totals_;
  for (std::size_t i = 0; i < t.buckets.size(); ++i)
    t.buckets[i] += s.totals.buckets[i];
  t.count += s.totals.count;
  t.sum_s += s.totals.sum_s;
}

}  // namespace tracehub::stats
