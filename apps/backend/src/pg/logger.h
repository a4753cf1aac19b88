// pg/logger.h — the pg module's named logger.
#pragma once

#include "base/log.h"

namespace tracehub::pg {

inline spdlog::logger& log() {
  static auto l = tracehub::make_logger("pg");
  return *l;
}

}  // namespace tracehub::pg
