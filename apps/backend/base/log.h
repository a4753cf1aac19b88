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

// fmt 9 compiles its formatting core, detail::vformat_to<char> (what every spdlog call runs),
// into libfmt but does not declare it extern, so each file that logs instantiated and optimised
// it again: ~75 KB of code per object, float and 128-bit integer formatting included, for a
// copy the linker then throws away (BENCHMARKS.md, "Cold build of the up targets"). fmt 10
// declares it itself; with a header-only fmt there is no library copy to use.
#if FMT_VERSION < 100000 && !defined(FMT_HEADER_ONLY)
FMT_BEGIN_NAMESPACE
namespace detail {
extern template void vformat_to<char>(buffer<char>&, string_view, format_args, locale_ref);
}  // namespace detail
FMT_END_NAMESPACE
#endif

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
