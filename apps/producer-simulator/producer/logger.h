// producer/logger.h — the producer module's named logger.
#pragma once

#include "backend/base/log.h"

namespace tracehub::producer {

inline constexpr module_logger<"producer"> log;

}  // namespace tracehub::producer
