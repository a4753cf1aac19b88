// base/pause_gate.h — holds a worker thread between units of work while a control (the reset)
// needs it quiet. The controlling thread calls hold() and release(); the worker thread calls
// held() at the top of each turn. Thread-safe (atomics); hold() blocks, so it belongs on a
// blocking pool.
#pragma once

#include <atomic>
#include <chrono>
#include <thread>

#include "backend/base/clock.h"

namespace tracehub {

class pause_gate {
 public:
  // Asks the thread to hold and waits, up to `limit`, for it to be idle. True when it is, or
  // when `alive()` turns false (a thread that is gone holds nothing).
  template <class Alive>
  bool hold(std::chrono::milliseconds limit, Alive alive) {
    idle_ = false;
    paused_ = true;
    auto deadline = steady::now() + limit;
    while (alive() && !idle_) {
      if (steady::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  // Lets the thread go on.
  void release() { paused_ = false; }

  // True from hold() to release(): the thread is asked to hold.
  bool asked() const { return paused_; }

  // For the worker thread, at the top of each turn: true while held (the thread is then idle
  // and has waited a moment: skip the turn), false to go on working.
  bool held() {
    if (!paused_) {
      idle_ = false;
      return false;
    }
    idle_ = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return true;
  }

 private:
  std::atomic<bool> paused_{false}, idle_{false};
};

}  // namespace tracehub
