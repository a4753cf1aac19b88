// pg/logger.h — the pg module's named logger.
#pragma once

#include "backend/base/log.h"

namespace tracehub::pg {

inline constexpr module_logger<"pg"> log;

}  // namespace tracehub::pg
