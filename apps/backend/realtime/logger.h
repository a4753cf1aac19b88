// realtime/logger.h — the realtime module's named logger.
#pragma once

#include "backend/base/log.h"

namespace tracehub::realtime {

inline constexpr module_logger<"realtime"> log;

}  // namespace tracehub::realtime
