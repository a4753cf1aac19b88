// retention/logger.h — the retention module's named logger.
#pragma once

#include "backend/base/log.h"

namespace tracehub::retention {

inline constexpr module_logger<"retention"> log;

}  // namespace tracehub::retention
