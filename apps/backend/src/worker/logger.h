// worker/logger.h — the worker module's named logger.
#pragma once

#include "base/log.h"

namespace tracehub::worker {

inline spdlog::logger& log() {
  static auto l = make_logger("worker");
  return *l;
}

}  // namespace tracehub::worker
