#include "backend/pg/pool.h"

#include "backend/pg/errc.h"

namespace tracehub::pg {

pool::lease::~lease() {
  if (pool_) pool_->give_back(std::move(conn_));
}

result<pool::lease> pool::acquire() {
  std::unique_lock lock(mutex_);
  auto deadline = std::chrono::steady_clock::now() + opts_.acquire_timeout;
  while (idle_.empty() && open_ >= opts_.size) {
    if (returned_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= opts_.size)
      return make_error_code(errc::timeout);
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
    auto setup =
        c->exec("SET statement_timeout = " + std::to_string(opts_.statement_timeout.count()));
    if (setup) return lease(*this, std::move(*c));
    c = setup.error();
  }
  lock.lock();
  --open_;
  returned_.notify_one();
  return c.error();
}

void pool::give_back(std::optional<connection> c) {
  std::lock_guard lock(mutex_);
  if (c && c->ok()) {
    idle_.push_back(std::move(*c));
  } else {
    --open_;  // broken: a later acquire opens a new one
  }
  returned_.notify_one();
}

}  // namespace tracehub::pg
