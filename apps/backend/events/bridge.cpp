#include "backend/events/bridge.h"

#include <optional>
#include <vector>

#include "backend/base/backoff.h"
#include "backend/base/log.h"
#include "backend/events/wire.h"
#include "backend/redis/sync_connection.h"

namespace tracehub::events {

namespace {

constexpr module_logger<"events"> log;

}  // namespace

bridge::bridge(bridge_options opts, sink deliver)
    : opts_(std::move(opts)), deliver_(std::move(deliver)) {}

bridge::~bridge() {
  stop();
}

void bridge::start() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
  }
  sender_ = std::thread([this] { send_loop(); });
}

void bridge::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (sender_.joinable()) sender_.join();
}

void bridge::publish(const event_ptr& e) {
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= opts_.max_pending) {
      queue_.pop_front();
      dropped_.fetch_add(1, std::memory_order_relaxed);
    }
    queue_.push_back(e);
  }
  wake_.notify_one();
}

void bridge::receive(std::string_view message) {
  auto m = wire::decode(message);
  if (!m) {
    bad_.fetch_add(1, std::memory_order_relaxed);
    log().warn("events channel: a message that does not decode ({} bytes)", message.size());
    return;
  }
  if (m->origin == opts_.origin) {
    own_.fetch_add(static_cast<std::int64_t>(m->events.size()), std::memory_order_relaxed);
    return;
  }
  received_.fetch_add(static_cast<std::int64_t>(m->events.size()), std::memory_order_relaxed);
  for (const auto& e : m->events)
    deliver_(e);
}

bridge_counters bridge::counters() const {
  return {published_.load(), received_.load(), own_.load(), dropped_.load(), bad_.load()};
}

void bridge::send_loop() {
  const std::string channel = wire::channel(opts_.redis.db);
  backoff retry(std::chrono::milliseconds(50), std::chrono::seconds(2));
  std::optional<redis::sync_connection> conn;
  std::vector<event_ptr> batch;
  for (;;) {
    batch.clear();
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      while (!queue_.empty() && batch.size() < opts_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (!conn || !conn->ok()) {
      conn.reset();
      auto c = redis::sync_connection::open(opts_.redis, std::chrono::seconds(2));
      if (c) {
        conn.emplace(std::move(*c));
      } else {
        dropped_.fetch_add(static_cast<std::int64_t>(batch.size()), std::memory_order_relaxed);
        auto wait = retry.next();
        if (wait == std::chrono::milliseconds(50))
          log().warn("events: redis unreachable ({}); dropping events until it is back",
                     c.error().message());
        std::unique_lock lock(mutex_);
        wake_.wait_for(lock, wait, [&] { return stopping_; });
        continue;
      }
    }
    auto text = wire::encode(opts_.origin, batch);
    auto r = conn->command({"PUBLISH", channel, text});
    if (!r || r->view().is_error()) {
      dropped_.fetch_add(static_cast<std::int64_t>(batch.size()), std::memory_order_relaxed);
      log().warn("events: PUBLISH failed: {}",
                 r ? std::string(r->view().str()) : r.error().message());
      conn.reset();
      continue;
    }
    if (retry.succeeded()) log().info("events: publishing to redis again");
    published_.fetch_add(static_cast<std::int64_t>(batch.size()), std::memory_order_relaxed);
  }
}

}  // namespace tracehub::events
