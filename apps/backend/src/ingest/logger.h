// ingest/logger.h — the ingest module's named logger.
#pragma once

#include "base/log.h"

namespace tracehub::ingest {

inline spdlog::logger& log() {
  static auto l = make_logger("ingest");
  return *l;
}

}  // namespace tracehub::ingest
