#include "backend/retention/maintainer.h"

#include <algorithm>

#include "backend/base/clock.h"
#include "backend/retention/logger.h"

namespace tracehub::retention {

namespace {

std::chrono::milliseconds tick(const policy& p) {
  auto half = std::chrono::duration_cast<std::chrono::milliseconds>(p.chunk) / 2;
  return std::clamp(half, std::chrono::milliseconds(250), std::chrono::milliseconds(10'000));
}

}  // namespace

maintainer::~maintainer() {
  stop();
}

status maintainer::run_once() {
  if (!conn_ || !conn_->ok()) {
    conn_.reset();
    auto c = pg::connection::open(url_, std::chrono::seconds(3), "tracehub-retention");
    if (!c) return c.error();
    conn_.emplace(std::move(*c));
  }
  auto until = now_epoch_ms() + std::chrono::milliseconds(policy_.ahead).count();
  if (auto covered = cover(*conn_, policy_, until); !covered) return covered.error();
  auto dropped = drop_expired(*conn_, policy_);
  if (!dropped) return dropped.error();
  return {};
}

void maintainer::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    log().info("retention {}: partitions of {} s, made {} s ahead", format_period(policy_.period),
               policy_.chunk.count(), policy_.ahead.count());
    std::unique_lock lk(mu_);
    while (!stopping_) {
      lk.unlock();
      if (auto s = run_once(); !s)
        log().warn("partition maintenance: {}{}", s.error().message(),
                   conn_ && !conn_->last_error().empty() ? ": " + conn_->last_error() : "");
      lk.lock();
      cv_.wait_for(lk, tick(policy_), [this] { return stopping_; });
    }
  });
}

void maintainer::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace tracehub::retention
