// Fuzzes the timestamp forms of an entry's `ts` (ingest/timestamp.h).
//
// The input is first a candidate RFC 3339 text:
//  - a value parse_rfc3339_us accepts lies in min_epoch_us..max_epoch_us and is the instant a
//    reference reading of the same fields gives (within the microsecond the fraction is cut
//    to; leap seconds, :60, only need to stay in range);
//  - a canonical text (upper-case T and Z, at most six fraction digits, a valid date, seconds
//    below 60, an offset up to ±23:59) inside the range is accepted;
//  - parse -> format -> parse gives the same value.
// The input's first bytes are then an epoch microsecond count, folded into the range:
//  - format_epoch_us writes YYYY-MM-DDTHH:MM:SS.ffffffZ, and that text parses back to it.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "backend/ingest/timestamp.h"
#include "check.h"

namespace tracehub::fuzz {
namespace {

using ingest::format_epoch_us;
using ingest::max_epoch_us;
using ingest::min_epoch_us;
using ingest::parse_rfc3339_us;

struct fields {
  std::int64_t epoch_seconds;  // of the fields with the offset applied, seconds taken as 0..59
  int second;                  // as written, 0..60
  std::int64_t nanos;          // the fraction's first nine digits
  std::size_t fraction_digits;
  bool canonical;
};

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& v) {
  if (pos + n > s.size()) return false;
  v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  return true;
}

// An independent reading of RFC 3339 §5.6 date-time (with its note's lower-case t/z and space
// separator), without range checks on the instant.
std::optional<fields> reference(std::string_view s) {
  using namespace std::chrono;
  int y, mo, d, h, mi, sec;
  if (!digits(s, 0, 4, y) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || !digits(s, 11, 2, h) || s[13] != ':' || !digits(s, 14, 2, mi) ||
      s[16] != ':' || !digits(s, 17, 2, sec))
    return std::nullopt;
  const char sep = s[10];
  if (sep != 'T' && sep != 't' && sep != ' ') return std::nullopt;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (y < 1 || !ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  fields f{0, sec, 0, 0, sep == 'T'};
  std::size_t pos = 19;
  if (s[pos] == '.') {
    const std::size_t start = ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (pos - start < 9) f.nanos = f.nanos * 10 + (s[pos] - '0');
      ++pos;
    }
    f.fraction_digits = pos - start;
    if (f.fraction_digits == 0) return std::nullopt;
    for (auto k = std::min<std::size_t>(f.fraction_digits, 9); k < 9; ++k)
      f.nanos *= 10;
    f.canonical = f.canonical && f.fraction_digits <= 6;
  }
  if (pos >= s.size()) return std::nullopt;
  std::int64_t offset = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    if (pos + 1 != s.size()) return std::nullopt;
    f.canonical = f.canonical && s[pos] == 'Z';
  } else {
    int oh, om;
    if ((s[pos] != '+' && s[pos] != '-') || pos + 6 != s.size() || !digits(s, pos + 1, 2, oh) ||
        s[pos + 3] != ':' || !digits(s, pos + 4, 2, om) || oh > 23 || om > 59)
      return std::nullopt;
    offset = (s[pos] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
  }
  f.canonical = f.canonical && sec < 60;
  f.epoch_seconds = sys_days{ymd}.time_since_epoch().count() * std::int64_t{86400} + h * 3600 +
                    mi * 60 + std::min(sec, 59) - offset;
  return f;
}

// How many nanoseconds the reference instant of `f` lies after `us` microseconds since the
// epoch; when they are seconds apart, just a number that large (no overflow either way).
std::int64_t nanos_after(const fields& f, std::int64_t us) {
  const std::int64_t s = us >= 0 ? us / 1'000'000 : (us - 999'999) / 1'000'000;
  const std::int64_t rest_us = us - s * 1'000'000;
  const std::int64_t seconds_apart = f.epoch_seconds - s;
  if (seconds_apart > 2 || seconds_apart < -2) return seconds_apart * 1'000'000;  // far off
  return seconds_apart * 1'000'000'000 + f.nanos - rest_us * 1000;
}

void check_text(std::string_view s) {
  const auto value = parse_rfc3339_us(s);
  const auto ref = reference(s);
  if (value) {
    FUZZ_CHECK(*value >= min_epoch_us && *value <= max_epoch_us, "a parsed ts is in range");
    FUZZ_CHECK(ref.has_value(), "only RFC 3339 date-times parse");
    if (ref->second < 60) {
      const auto off = nanos_after(*ref, *value);
      FUZZ_CHECK(off > -1000 && off < 1000, "the parsed instant is the one written");
    }
    const std::string text = format_epoch_us(*value);
    FUZZ_CHECK(parse_rfc3339_us(text) == value, "parse -> format -> parse keeps the value");
  } else if (ref && ref->canonical) {
    // Inside the range by whole seconds, so no fraction can push it out.
    const bool inside = ref->epoch_seconds >= min_epoch_us / 1'000'000 &&
                        ref->epoch_seconds < max_epoch_us / 1'000'000;
    FUZZ_CHECK(!inside, "a canonical RFC 3339 date-time inside the range parses");
  }
}

void check_format(std::int64_t raw) {
  const auto span = static_cast<std::uint64_t>(max_epoch_us - min_epoch_us) + 1;
  const std::int64_t us =
      min_epoch_us + static_cast<std::int64_t>(static_cast<std::uint64_t>(raw) % span);
  const std::string text = format_epoch_us(us);
  FUZZ_CHECK(
      text.size() == 27 && text[4] == '-' && text[10] == 'T' && text[19] == '.' && text[26] == 'Z',
      "format_epoch_us writes YYYY-MM-DDTHH:MM:SS.ffffffZ");
  FUZZ_CHECK(parse_rfc3339_us(text) == us, "what format_epoch_us writes parses back to it");
}

}  // namespace
}  // namespace tracehub::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tracehub::fuzz::check_text(std::string_view(reinterpret_cast<const char*>(data), size));
  std::int64_t raw = 0;
  std::memcpy(&raw, data, std::min(size, sizeof raw));
  tracehub::fuzz::check_format(raw);
  return 0;
}
