// http/logger.h — the http module's named logger.
#pragma once

#include "base/log.h"

namespace tracehub::http {

inline spdlog::logger& log() {
  static auto l = make_logger("http");
  return *l;
}

}  // namespace tracehub::http
