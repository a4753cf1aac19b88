// worker/logger.h — the worker module's named logger.
#pragma once

#include "backend/base/log.h"

namespace tracehub::worker {

inline constexpr module_logger<"worker"> log;

}  // namespace tracehub::worker
