// audit/logger.h — the audit module's named logger.
#pragma once

#include "base/log.h"

namespace tracehub::audit {

inline spdlog::logger& log() {
  static auto l = make_logger("audit");
  return *l;
}

}  // namespace tracehub::audit
