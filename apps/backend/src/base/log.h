// base/log.h — named loggers. Each module declares its own in its logger.h:
//   inline spdlog::logger& log() { static auto l = tracehub::make_logger("ingest"); return *l; }
// so every line says where it came from. Thread-safe (spdlog *_mt sinks).
#pragma once

#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace tracehub {

// Returns the logger registered under `name`, creating it (stderr, shared pattern) if needed.
std::shared_ptr<spdlog::logger> make_logger(const std::string& name);

// Sets the level of every existing and future logger ("trace" .. "off").
void set_log_level(const std::string& level);

}  // namespace tracehub
