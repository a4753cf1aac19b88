// realtime/logger.h — the realtime module's named logger.
#pragma once

#include "base/log.h"

namespace tracehub::realtime {

inline spdlog::logger& log() {
  static auto l = make_logger("realtime");
  return *l;
}

}  // namespace tracehub::realtime
