// faults/network.h — the timed faults as one system-wide switchboard (docs/PROTOCOL.md,
// "Controls"): drop_network (a share of /ingest requests lost on the way in), delay_ack (every
// ACK held back) and the record of crash_worker, each a window with an end.
//
// A window lives in Redis under fault:<action> (its JSON, with the window's end as the key's
// PXAT expiry), so every API process applies it: set() writes it and applies it here at once;
// a thread of each process re-reads the keys every `refresh` (100 ms), so the others apply it
// within about that. A window ends by itself (its expiry); clear_all() ends them all. While
// Redis is unreachable the last windows read stay until their end.
//
// should_drop() and ack_delay_ms() read atomics: cheap on the ingest path. pin_drop() is the
// test hook TRACEHUB_TEST_DROP_SHARE: this process only, for its whole life.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "backend/base/result.h"
#include "backend/redis/endpoint.h"

namespace tracehub::faults {

inline constexpr std::string_view drop_network = "drop_network";
inline constexpr std::string_view delay_ack = "delay_ack";
inline constexpr std::string_view crash_worker = "crash_worker";

struct window {
  std::string action;                 // drop_network | delay_ack | crash_worker
  std::int64_t since = 0, until = 0;  // epoch ms
  double share = 0;                   // drop_network
  std::int64_t delay_ms = 0;          // delay_ack
  std::string params = "{}";          // the action's parameters as a JSON object (as recorded)
};

// The Redis key of an action's window.
std::string key_of(std::string_view action);
// A window as stored, and back (nullopt when the text is not one).
std::string encode(const window& w);
std::optional<window> decode(std::string_view text);

class network {
 public:
  // Without an endpoint: this process only (tests of ingest alone).
  explicit network(std::optional<redis::endpoint> ep = std::nullopt,
                   std::chrono::milliseconds refresh = std::chrono::milliseconds(100));
  ~network();
  network(const network&) = delete;
  network& operator=(const network&) = delete;

  void start();  // the refresh thread (nothing without an endpoint)
  void stop();

  // Blocking (one Redis round trip): put them on a blocking pool.
  status set(const window& w);
  status clear_all();

  void pin_drop(double share) { pinned_share_.store(share, std::memory_order_relaxed); }

  // Decides for one request. Called on the io thread only (the generator is not shared).
  bool should_drop();
  // The delay to apply to an ACK sent now, in ms (0: none). Any thread.
  std::int64_t ack_delay_ms() const;
  // The windows open now. Any thread.
  std::vector<window> active() const;
  std::int64_t refreshes() const { return refreshes_.load(); }

 private:
  void apply(std::vector<window> windows);
  void refresh_loop();

  std::optional<redis::endpoint> ep_;
  std::chrono::milliseconds refresh_;
  std::atomic<double> drop_share_{0}, pinned_share_{0};
  std::atomic<std::int64_t> drop_until_ms_{0};
  std::atomic<std::int64_t> delay_ms_{0}, delay_until_ms_{0};
  std::atomic<std::int64_t> refreshes_{0};
  std::minstd_rand rng_{std::random_device{}()};
  mutable std::mutex mutex_;  // guards windows_, stopping_
  std::vector<window> windows_;
  bool stopping_ = false;
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace tracehub::faults
