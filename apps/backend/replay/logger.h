// replay/logger.h — the replay module's named logger.
#pragma once

#include "backend/base/log.h"

namespace tracehub::replay {

inline constexpr module_logger<"replay"> log;

}  // namespace tracehub::replay
