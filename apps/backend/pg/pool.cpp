#include "backend/pg/pool.h"

#include "backend/pg/errc.h"

namespace tracehub::pg {

namespace {

// The burst: one second's worth of the share.
std::chrono::steady_clock::duration burst(double share) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(share));
}

}  // namespace

pool::pool(pool_options opts) : opts_(std::move(opts)), share_left_(burst(opts_.time_share)) {}

pool::lease::~lease() {
  if (pool_) pool_->give_back(std::move(conn_), std::chrono::steady_clock::now() - since_);
}

pool::clock::duration pool::refill(clock::time_point now) {
  if (opts_.time_share <= 0) return clock::duration::max();
  const auto earned =
      std::chrono::duration_cast<clock::duration>((now - refilled_at_) * opts_.time_share);
  share_left_ = std::min(share_left_ + earned, burst(opts_.time_share));
  refilled_at_ = now;
  return share_left_;
}

result<pool::lease> pool::acquire(share s) {
  std::unique_lock lock(mutex_);
  const auto deadline = clock::now() + opts_.acquire_timeout;
  for (;;) {
    const auto now = clock::now();
    const auto left = refill(now);
    // An exempt lease may use one connection beyond `size`, kept for it: the operator's action
    // never waits for readers' connections either.
    const std::size_t limit = opts_.size + (s == share::exempt ? 1 : 0);
    const bool connection_free = open_ - idle_.size() < limit && (!idle_.empty() || open_ < limit);
    if (connection_free && (left > clock::duration::zero() || s == share::exempt)) break;
    if (now >= deadline) return make_error_code(errc::timeout);
    // Wake when a connection comes back, or when the share will have refilled (a lease
    // returning also notifies, but the share grows with time alone).
    auto wake = deadline;
    if (connection_free)
      wake = std::min(deadline,
                      now + std::chrono::duration_cast<clock::duration>(-left / opts_.time_share) +
                          std::chrono::milliseconds(1));
    returned_.wait_until(lock, wake);
  }
  if (!idle_.empty()) {
    connection c = std::move(idle_.back());
    idle_.pop_back();
    return lease(*this, std::move(c));
  }
  ++open_;  // reserve the slot, then connect without holding the lock
  lock.unlock();
  auto c = connection::open(opts_.url, std::chrono::seconds(3), opts_.application_name);
  if (c) {
    // With a time share, one lease is one Postgres process: no parallel workers, which would
    // make a second of lease several seconds of CPU.
    auto setup =
        c->exec("SET statement_timeout = " + std::to_string(opts_.statement_timeout.count()) +
                (opts_.time_share > 0 ? "; SET max_parallel_workers_per_gather = 0" : ""));
    if (setup) return lease(*this, std::move(*c));
    c = setup.error();
  }
  lock.lock();
  --open_;
  returned_.notify_one();
  return c.error();
}

void pool::give_back(std::optional<connection> c, clock::duration held) {
  std::lock_guard lock(mutex_);
  if (opts_.time_share > 0) {
    refill(clock::now());
    share_left_ -= held;
  }
  if (c && c->ok()) {
    idle_.push_back(std::move(*c));
  } else {
    --open_;  // broken: a later acquire opens a new one
  }
  returned_.notify_one();
}

}  // namespace tracehub::pg
