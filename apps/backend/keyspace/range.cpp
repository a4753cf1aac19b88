#include "backend/keyspace/range.h"

#include <charconv>

namespace tracehub::keyspace {

namespace {

// An unsigned decimal from p (no sign: from_chars would take a '-').
const char* read_number(const char* p, const char* end, std::int64_t& out) {
  if (p == end || *p < '0' || *p > '9') return nullptr;
  auto [next, ec] = std::from_chars(p, end, out);
  return ec == std::errc{} ? next : nullptr;
}

}  // namespace

std::string format_range(std::int64_t lo, std::int64_t hi) {
  std::string out = std::to_string(lo);
  out += ':';
  out += std::to_string(hi);
  return out;
}

bool parse_range(std::string_view member, std::int64_t& lo, std::int64_t& hi) {
  const char* end = member.data() + member.size();
  const char* p = read_number(member.data(), end, lo);
  if (!p || p == end || *p != ':') return false;
  p = read_number(p + 1, end, hi);
  return p == end && lo <= hi;
}

}  // namespace tracehub::keyspace
