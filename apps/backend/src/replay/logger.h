// replay/logger.h — the replay module's named logger.
#pragma once

#include "base/log.h"

namespace tracehub::replay {

inline spdlog::logger& log() {
  static auto l = make_logger("replay");
  return *l;
}

}  // namespace tracehub::replay
