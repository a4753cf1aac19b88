// base/backoff.h — the exponential back-off every retry loop uses: the simulator's senders (one
// shared by every sender of a service, so that N batches failing against one dead backend make
// one step, and one log line, rather than N), the Redis reconnects, the HTTP accept loop.
//
// Steps: the first failure waits `min`, each failure after the previous wait has passed doubles
// it, up to `max`; failures during a wait join that step. A success resets it. Pure logic on a
// given clock; not thread-safe: one thread (or strand) uses it.
#pragma once

#include <algorithm>
#include <chrono>

#include "backend/base/clock.h"

namespace tracehub {

class backoff {
 public:
  backoff(std::chrono::milliseconds min, std::chrono::milliseconds max) : min_(min), max_(max) {}

  struct step {
    steady::time_point retry_at;
    std::chrono::milliseconds delay;
    bool new_step;  // this failure started a step: log it (once)
  };

  step failed(steady::time_point now) {
    if (delay_.count() > 0 && now < retry_at_) return {retry_at_, delay_, false};
    retry_at_ = now + next();
    return {retry_at_, delay_, true};
  }

  // A failure that always starts a step (a loop with one caller, which waits out each delay
  // itself): `min` first, then doubled per call up to `max`.
  std::chrono::milliseconds next() {
    delay_ = delay_.count() == 0 ? min_ : std::min(delay_ * 2, max_);
    return delay_;
  }

  // Returns true when this success ends a run of failures (log the recovery).
  bool succeeded() {
    bool was_failing = delay_.count() > 0;
    delay_ = std::chrono::milliseconds{0};
    return was_failing;
  }

  bool failing() const { return delay_.count() > 0; }

 private:
  std::chrono::milliseconds min_, max_;
  std::chrono::milliseconds delay_{0};
  steady::time_point retry_at_{};
};

}  // namespace tracehub
