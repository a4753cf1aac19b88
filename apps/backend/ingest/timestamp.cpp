#include "backend/ingest/timestamp.h"

#include <chrono>
#include <cstdio>

namespace tracehub::ingest {

namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& value) {
  if (pos + n > s.size()) return false;
  value = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    value = value * 10 + (s[i] - '0');
  }
  return true;
}

// Days since 1970-01-01 of a calendar-valid date, or nullopt.
std::optional<std::int64_t> epoch_days(int y, int m, int d) {
  using namespace std::chrono;
  if (y < 1 || m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return sys_days{ymd}.time_since_epoch().count();
}

// Reads ".fraction" at `pos` (if present) as microseconds, rounded half up; advances `pos`.
// False when a '.' has no digits or more than 9.
bool fraction_us(std::string_view s, std::size_t& pos, std::int64_t& us) {
  us = 0;
  if (pos >= s.size() || s[pos] != '.') return true;
  std::size_t start = ++pos;
  while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9')
    ++pos;
  std::size_t n = pos - start;
  if (n == 0 || n > 9) return false;
  for (std::size_t i = 0; i < 6; ++i)
    us = us * 10 + (i < n ? s[start + i] - '0' : 0);
  if (n > 6 && s[start + 6] >= '5') ++us;  // may reach 1'000'000: carries into the seconds
  return true;
}

// Reads "Z" or "±HH:MM" at `pos` to the end of `s`, as seconds east of UTC.
bool offset_seconds(std::string_view s, std::size_t pos, std::int64_t& east) {
  if (pos >= s.size()) return false;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    east = 0;
    return pos + 1 == s.size();
  }
  if (s[pos] != '+' && s[pos] != '-') return false;
  int oh, om;
  if (pos + 6 != s.size() || !digits(s, pos + 1, 2, oh) || s[pos + 3] != ':' ||
      !digits(s, pos + 4, 2, om) || oh > 23 || om > 59)
    return false;
  east = (s[pos] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
  return true;
}

}  // namespace

std::optional<std::int64_t> parse_rfc3339_us(std::string_view s) {
  int y, mo, d, h, mi, sec;
  if (s.size() < 20 || !digits(s, 0, 4, y) || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d))
    return std::nullopt;
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return std::nullopt;
  if (!digits(s, 11, 2, h) || s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' ||
      !digits(s, 17, 2, sec) || h > 23 || mi > 59 || sec > 60)
    return std::nullopt;
  auto days = epoch_days(y, mo, d);
  if (!days) return std::nullopt;
  std::size_t pos = 19;
  std::int64_t frac = 0, east = 0;
  if (!fraction_us(s, pos, frac) || !offset_seconds(s, pos, east)) return std::nullopt;
  std::int64_t seconds = *days * 86'400 + h * 3600 + mi * 60 + sec - east;
  std::int64_t us = seconds * 1'000'000 + frac;  // |us| < 2^63: years 1..9999 with offsets
  if (us < min_epoch_us || us > max_epoch_us) return std::nullopt;
  return us;
}

std::string format_epoch_us(std::int64_t us) {
  using namespace std::chrono;
  sys_time<microseconds> t{microseconds{us}};
  auto day_point = floor<days>(t);
  year_month_day ymd{day_point};
  hh_mm_ss<microseconds> tod{t - day_point};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06lldZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(tod.hours().count()),
                static_cast<int>(tod.minutes().count()), static_cast<int>(tod.seconds().count()),
                static_cast<long long>(tod.subseconds().count()));
  return buf;
}

}  // namespace tracehub::ingest
