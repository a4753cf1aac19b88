// producer/backoff.h — one exponential back-off shared by every sender of a service (or by every
// Redis step), so that N batches failing against one dead backend make one step, and one log
// line, rather than N.
//
// Steps: the first failure waits `min`, each failure after the previous wait has passed doubles
// it, up to `max`; failures during a wait join that step. A success resets it. Pure logic on a
// given clock: one thread (the io thread).
#pragma once

#include <algorithm>
#include <chrono>

#include "base/clock.h"

namespace tracehub::producer {

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
    delay_ = delay_.count() == 0 ? min_ : std::min(delay_ * 2, max_);
    retry_at_ = now + delay_;
    return {retry_at_, delay_, true};
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

}  // namespace tracehub::producer
