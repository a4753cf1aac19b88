#include "backend/worker/supervisor.h"

#include "backend/base/clock.h"
#include "backend/worker/logger.h"

namespace tracehub::worker {

namespace {

std::string crashed_json(const std::string& id, const std::string& reason, std::int64_t ts,
                         std::int64_t back_at) {
  // ids are consumer names from config ([A-Za-z0-9._-]); reasons are fixed strings.
  return "{\"workerId\":\"" + id + "\",\"reason\":\"" + reason + "\",\"ts\":" + std::to_string(ts) +
         ",\"recoversAt\":" + std::to_string(back_at) + "}";
}

std::string recovered_json(const std::string& id, std::int64_t ts, std::int64_t down_ms) {
  return "{\"workerId\":\"" + id + "\",\"ts\":" + std::to_string(ts) +
         ",\"downMs\":" + std::to_string(down_ms) + "}";
}

}  // namespace

supervisor::supervisor(boost::asio::io_context& io, std::shared_ptr<events::bus> bus)
    : bus_(std::move(bus)), timer_(io) {}

supervisor::~supervisor() {
  stop();
}

void supervisor::add(std::unique_ptr<worker> w) {
  std::lock_guard lock(mutex_);
  states_.push_back({w->consumer()});
  workers_.push_back(std::move(w));
}

void supervisor::start() {
  for (auto& w : workers_)
    w->start();
}

void supervisor::stop() {
  timer_.cancel();
  for (auto& w : workers_)
    w->stop();
}

bool supervisor::crash(std::chrono::milliseconds down_for, const std::string& reason) {
  if (workers_.empty()) return false;
  auto now = now_epoch_ms();
  {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < workers_.size(); ++i) {
      auto& st = states_[i];
      if (!st.down) {
        workers_[i]->crash();
        st.down = true;
        st.down_since = now;
      }
      st.back_at = now + down_for.count();
      if (bus_) bus_->publish("worker:crashed", crashed_json(st.id, reason, now, st.back_at));
    }
  }
  timer_.expires_after(down_for);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) restart_due();
  });
  return true;
}

void supervisor::restart_due() {
  bool waiting = false;
  auto now = now_epoch_ms();
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    std::unique_lock lock(mutex_);
    auto& st = states_[i];
    if (!st.down) continue;
    if (workers_[i]->running()) {  // still unwinding (it notices within one read's block)
      waiting = true;
      continue;
    }
    st.down = false;
    ++st.restarts;
    auto down_ms = now - st.down_since;
    auto id = st.id;
    lock.unlock();
    workers_[i]->start();
    log().info("worker {} restarted by the supervisor after {} ms", id, down_ms);
    if (bus_) bus_->publish("worker:recovered", recovered_json(id, now, down_ms));
  }
  if (waiting) {
    timer_.expires_after(std::chrono::milliseconds(50));
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) restart_due();
    });
  }
}

bool supervisor::pause(std::chrono::milliseconds limit) {
  bool all = true;
  for (auto& w : workers_)
    all = w->pause(limit) && all;
  return all;
}

void supervisor::resume() {
  for (auto& w : workers_)
    w->resume();
}

std::vector<worker_state> supervisor::states() const {
  std::lock_guard lock(mutex_);
  return states_;
}

}  // namespace tracehub::worker
