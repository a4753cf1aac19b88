#include "backend/base/log.h"

#include <mutex>

#include <spdlog/sinks/stdout_color_sinks.h>

namespace tracehub {

namespace {
std::mutex registry_mutex;
}

std::shared_ptr<spdlog::logger> make_logger(const std::string& name) {
  std::lock_guard lock(registry_mutex);
  if (auto existing = spdlog::get(name)) return existing;
  auto logger = spdlog::stderr_color_mt(name);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ [%n] %v");
  return logger;
}

void set_log_level(const std::string& level) {
  spdlog::set_level(spdlog::level::from_str(level));
}

}  // namespace tracehub
