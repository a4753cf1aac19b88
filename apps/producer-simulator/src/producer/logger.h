// producer/logger.h — the producer module's named logger.
#pragma once

#include "base/log.h"

namespace tracehub::producer {

inline spdlog::logger& log() {
  static auto l = make_logger("producer");
  return *l;
}

}  // namespace tracehub::producer
