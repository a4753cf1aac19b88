// ingest/network_faults.h — the "network" between producers and ingest, as switches.
//
// While a drop window is open, a share of /ingest requests is read and then dropped: no
// processing, no ACK, the connection closed, as if the network ate the request. Producers see
// a failed request and retry; later batches expose the gaps. Set by the fault controls
// (POST /metrics/control drop_network) or, for tests, by TRACEHUB_TEST_DROP_SHARE at start.
// While a delay window is open (delay_ack), every ACK is held back before it is sent.
// Thread-safe: set from any thread, read on the io thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <random>

#include "base/clock.h"

namespace tracehub::ingest {

class network_faults {
 public:
  // Drops `share` (0..1) of requests until `until_ms` (epoch ms; INT64_MAX: until cleared).
  void drop(double share, std::int64_t until_ms) {
    drop_share_.store(share, std::memory_order_relaxed);
    drop_until_ms_.store(until_ms, std::memory_order_relaxed);
  }
  void clear() { drop(0, 0); }

  // Decides for one request. Called on the io thread only (the generator is not shared).
  bool should_drop() {
    double share = drop_share_.load(std::memory_order_relaxed);
    if (share <= 0 || now_epoch_ms() >= drop_until_ms_.load(std::memory_order_relaxed))
      return false;
    return std::uniform_real_distribution<double>(0, 1)(rng_) < share;
  }

  // Holds every ACK back `delay_ms` until `until_ms` (epoch ms).
  void delay(std::int64_t delay_ms, std::int64_t until_ms) {
    delay_ms_.store(delay_ms, std::memory_order_relaxed);
    delay_until_ms_.store(until_ms, std::memory_order_relaxed);
  }
  // The delay to apply to an ACK sent now, in ms (0: none).
  std::int64_t ack_delay_ms() const {
    if (now_epoch_ms() >= delay_until_ms_.load(std::memory_order_relaxed)) return 0;
    return delay_ms_.load(std::memory_order_relaxed);
  }
  void clear_all() {
    clear();
    delay(0, 0);
  }

  double drop_share() const { return drop_share_.load(std::memory_order_relaxed); }
  std::int64_t drop_until_ms() const { return drop_until_ms_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> drop_share_{0};
  std::atomic<std::int64_t> drop_until_ms_{0};
  std::atomic<std::int64_t> delay_ms_{0}, delay_until_ms_{0};
  std::minstd_rand rng_{std::random_device{}()};
};

}  // namespace tracehub::ingest
