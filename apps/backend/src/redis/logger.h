// redis/logger.h — the redis module's named logger.
#pragma once

#include "base/log.h"

namespace tracehub::redis {

inline spdlog::logger& log() {
  static auto l = tracehub::make_logger("redis");
  return *l;
}

}  // namespace tracehub::redis
