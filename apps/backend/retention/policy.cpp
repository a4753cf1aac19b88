#include "backend/retention/policy.h"

#include <algorithm>
#include <array>
#include <charconv>

namespace tracehub::retention {

namespace {

struct unit {
  char suffix;
  std::int64_t seconds;
};
constexpr std::array<unit, 4> units = {{{'d', 86'400}, {'h', 3'600}, {'m', 60}, {'s', 1}}};

constexpr std::int64_t max_period_s = std::int64_t{100} * 366 * 86'400;

}  // namespace

policy make_policy(seconds period) {
  constexpr std::array<std::int64_t, 6> ladder = {86'400, 3'600, 600, 60, 10, 1};
  policy p;
  p.period = period;
  p.chunk = seconds(ladder.front());
  if (!p.keeps_everything()) {
    auto quarter = period.count() / 4;
    auto fit = std::find_if(ladder.begin(), ladder.end(), [&](auto w) { return w <= quarter; });
    p.chunk = seconds(fit == ladder.end() ? ladder.back() : *fit);
  }
  p.ahead = std::max(2 * p.chunk, seconds(30));
  return p;
}

std::optional<seconds> parse_period(std::string_view text) {
  if (text == "off") return seconds(0);
  if (text.empty()) return std::nullopt;
  std::int64_t scale = 1;
  for (const auto& u : units)
    if (text.back() == u.suffix) {
      scale = u.seconds;
      text.remove_suffix(1);
      break;
    }
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty() || n < 0 ||
      n > max_period_s / scale)
    return std::nullopt;
  return seconds(n * scale);
}

std::string format_period(seconds period) {
  if (period.count() == 0) return "off";
  for (const auto& u : units)
    if (period.count() % u.seconds == 0)
      return std::to_string(period.count() / u.seconds) + u.suffix;
  return std::to_string(period.count()) + "s";
}

}  // namespace tracehub::retention
