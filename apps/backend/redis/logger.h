// redis/logger.h — the redis module's named logger.
#pragma once

#include "backend/base/log.h"

namespace tracehub::redis {

inline constexpr module_logger<"redis"> log;

}  // namespace tracehub::redis
