// audit/logger.h — the audit module's named logger.
#pragma once

#include "backend/base/log.h"

namespace tracehub::audit {

inline constexpr module_logger<"audit"> log;

}  // namespace tracehub::audit
