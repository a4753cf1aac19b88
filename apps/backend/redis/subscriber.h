// redis/subscriber.h — a Redis pub/sub subscription on its own connection and thread.
//
// Subscribes to the given channels and calls on_message(channel, payload) on its thread for
// every message (quick handlers only: post heavier work elsewhere). A lost connection is
// re-opened with base/backoff.h (50 ms doubling to 2 s) and re-subscribed; on_subscribed runs
// after every (re)subscription, so the owner can re-read state it may have missed (pub/sub
// delivers at most once and keeps nothing for an absent subscriber). A PING every few seconds
// notices a connection that went silent. stop() joins the thread within ~100 ms.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "backend/redis/endpoint.h"

namespace tracehub::redis {

class subscriber {
 public:
  using handler = std::function<void(std::string_view channel, std::string_view payload)>;

  // `name` is the connection's CLIENT SETNAME (CLIENT LIST shows it).
  subscriber(endpoint ep, std::vector<std::string> channels, handler on_message,
             std::function<void()> on_subscribed = {}, std::string name = "tracehub-subscriber");
  ~subscriber();
  subscriber(const subscriber&) = delete;
  subscriber& operator=(const subscriber&) = delete;

  void start();
  void stop();

  bool subscribed() const { return subscribed_.load(); }
  std::int64_t reconnects() const { return reconnects_.load(); }

 private:
  void run();
  // One connection's life: connect, subscribe, read until it fails or stop().
  void session();

  endpoint ep_;
  std::vector<std::string> channels_;
  handler on_message_;
  std::function<void()> on_subscribed_;
  std::string name_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> subscribed_{false};
  std::atomic<std::int64_t> reconnects_{0};
  std::thread thread_;
};

}  // namespace tracehub::redis
