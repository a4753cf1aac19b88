// http/logger.h — the http module's named logger.
#pragma once

#include "backend/base/log.h"

namespace tracehub::http {

inline constexpr module_logger<"http"> log;

}  // namespace tracehub::http
