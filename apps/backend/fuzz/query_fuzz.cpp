// Fuzzes query-string reading and percent decoding (http/query.h).
//
// The input is first a raw request target looked up under a name taken from its own bytes:
//  - nothing crashes, a target without '?' has no parameters, and no decoded value is longer
//    than the target.
// The same bytes then become (name, value) pairs of arbitrary bytes, percent-encoded the ways
// clients do ('+' or %20 for a space, upper or lower hex, unreserved bytes left alone):
//  - query_param gives back the value of each name's first occurrence, byte for byte;
//  - a name that is not there is absent.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "backend/http/query.h"
#include "check.h"

namespace tracehub::fuzz {
namespace {

bool unreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

std::string percent_encode(std::string_view s, FuzzedDataProvider& in) {
  static constexpr char upper[] = "0123456789ABCDEF";
  static constexpr char lower[] = "0123456789abcdef";
  std::string out;
  for (char c : s) {
    auto b = static_cast<unsigned char>(c);
    // Unreserved bytes may also be percent-encoded (RFC 3986 §2.3); clients rarely do it.
    if (unreserved(c) && in.ConsumeIntegralInRange<int>(0, 7) != 0) {
      out += c;
    } else if (c == ' ' && in.ConsumeBool()) {
      out += '+';
    } else {
      const char* hex = in.ConsumeBool() ? upper : lower;
      out += '%';
      out += hex[b >> 4];
      out += hex[b & 0xf];
    }
  }
  return out;
}

void check_raw_target(std::string_view target) {
  auto q = target.find('?');
  std::string_view name = target.substr(q == std::string_view::npos ? 0 : q + 1, 3);
  auto value = http::query_param(target, name);
  if (q == std::string_view::npos) FUZZ_CHECK(!value, "a target without '?' has no parameters");
  if (value) FUZZ_CHECK(value->size() <= target.size(), "decoding never grows a value");
}

void check_round_trip(FuzzedDataProvider& in) {
  std::string target = "/logs";
  std::map<std::string, std::string> first;  // name -> value of its first occurrence
  char sep = '?';
  auto pairs = in.ConsumeIntegralInRange<int>(0, 8);
  for (int i = 0; i < pairs; ++i) {
    std::string name = in.ConsumeRandomLengthString(12);
    std::string value = in.ConsumeRandomLengthString(48);
    first.emplace(name, value);  // keeps an existing entry: the first occurrence wins
    target += sep;
    target += percent_encode(name, in);
    target += '=';
    target += percent_encode(value, in);
    sep = '&';
  }
  for (const auto& [name, value] : first) {
    auto got = http::query_param(target, name);
    FUZZ_CHECK(got && *got == value, "a parameter decodes to the value first given for it");
  }
  std::string absent = "absent";
  while (first.contains(absent))
    absent += '_';
  FUZZ_CHECK(!http::query_param(target, absent), "a name that is not there is absent");
}

}  // namespace
}  // namespace tracehub::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tracehub::fuzz::check_raw_target(std::string_view(reinterpret_cast<const char*>(data), size));
  FuzzedDataProvider in(data, size);
  tracehub::fuzz::check_round_trip(in);
  return 0;
}
