// ingest/logger.h — the ingest module's named logger.
#pragma once

#include "backend/base/log.h"

namespace tracehub::ingest {

inline constexpr module_logger<"ingest"> log;

}  // namespace tracehub::ingest
