// base/log.h — named loggers, the one logging facility. Each module declares its own, once, in
// its logger.h (or, for a single file, in its anonymous namespace):
//   inline constexpr module_logger<"ingest"> log;
// and writes `log().info(...)`, so every line says where it came from. Thread-safe (spdlog *_mt
// sinks).
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace tracehub {

// Returns the logger registered under `name`, creating it (stderr, shared pattern) if needed.
std::shared_ptr<spdlog::logger> make_logger(const std::string& name);

// Sets the level of every existing and future logger ("trace" .. "off").
void set_log_level(const std::string& level);

// A logger's name as a template argument (a string literal).
template <std::size_t N>
struct logger_name {
  constexpr logger_name(const char (&s)[N]) { std::copy_n(s, N, text); }  // NOLINT: implicit
  char text[N];
};

// `log()` returns the logger named `Name`, created on first use.
template <logger_name Name>
struct module_logger {
  spdlog::logger& operator()() const {
    static const auto l = make_logger(Name.text);
    return *l;
  }
};

}  // namespace tracehub
