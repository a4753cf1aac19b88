// realtime/probe.h — the real-time channel's counters. Written on the hub's strand, read by
// the metrics module from any thread (relaxed atomics: counters, not synchronisation).
#pragma once

#include <atomic>
#include <cstdint>

namespace tracehub::realtime {

class probe {
 public:
  void client_opened() { clients_.fetch_add(1, std::memory_order_relaxed); }
  void client_closed() { clients_.fetch_sub(1, std::memory_order_relaxed); }
  void frame_sent() { sent_.fetch_add(1, std::memory_order_relaxed); }
  void frame_dropped() { dropped_.fetch_add(1, std::memory_order_relaxed); }
  void ack_coalesced() { coalesced_.fetch_add(1, std::memory_order_relaxed); }
  void log_skipped() { skipped_.fetch_add(1, std::memory_order_relaxed); }
  void slow_client_disconnected() { slow_.fetch_add(1, std::memory_order_relaxed); }
  void ping_timed_out() { ping_timeouts_.fetch_add(1, std::memory_order_relaxed); }
  void client_refused() { refused_.fetch_add(1, std::memory_order_relaxed); }
  void join_timed_out() { join_timeouts_.fetch_add(1, std::memory_order_relaxed); }
  void join_refused() { join_refused_.fetch_add(1, std::memory_order_relaxed); }

  // Sessions open now, either transport (WebSocket handshake done or polling session opened,
  // not yet closed).
  std::int64_t clients() const { return clients_.load(std::memory_order_relaxed); }
  std::int64_t frames_sent() const { return sent_.load(std::memory_order_relaxed); }
  // Frames dropped from full per-client queues (oldest first).
  std::int64_t frames_dropped() const { return dropped_.load(std::memory_order_relaxed); }
  // ack:sent frames replaced in a backed-up queue by a newer one for the same service.
  std::int64_t acks_coalesced() const { return coalesced_.load(std::memory_order_relaxed); }
  // log:new not sent to a client because of its rate limit or a full queue.
  std::int64_t logs_skipped() const { return skipped_.load(std::memory_order_relaxed); }
  std::int64_t slow_client_disconnects() const { return slow_.load(std::memory_order_relaxed); }
  std::int64_t ping_timeouts() const { return ping_timeouts_.load(std::memory_order_relaxed); }
  // Upgrades refused because max_clients were connected.
  std::int64_t clients_refused() const { return refused_.load(std::memory_order_relaxed); }
  // Connections closed for not joining "/" in time; joins refused for a missing/wrong token.
  std::int64_t join_timeouts() const { return join_timeouts_.load(std::memory_order_relaxed); }
  std::int64_t joins_refused() const { return join_refused_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> clients_{0}, sent_{0}, dropped_{0}, coalesced_{0}, skipped_{0},
      slow_{0}, ping_timeouts_{0}, refused_{0}, join_timeouts_{0}, join_refused_{0};
};

}  // namespace tracehub::realtime
