#include "bench/workload.h"

#include <array>
#include <charconv>
#include <string_view>

namespace tracehub::bench {

namespace {

// A cheap, stable mix of a seq into pseudo-random bits (SplitMix64's finaliser).
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

void append_int(std::string& out, std::uint64_t n) {
  std::array<char, 24> buf;
  auto end = std::to_chars(buf.data(), buf.data() + buf.size(), n).ptr;
  out.append(buf.data(), end);
}

// Zero-padded to `width` digits.
void append_padded(std::string& out, std::uint64_t n, int width) {
  std::array<char, 24> buf;
  auto end = std::to_chars(buf.data(), buf.data() + buf.size(), n).ptr;
  for (auto len = end - buf.data(); len < width; ++len)
    out += '0';
  out.append(buf.data(), end);
}

std::string_view level_for(std::uint64_t bits) {
  auto p = bits % 100;
  if (p < 70) return "info";
  if (p < 85) return "debug";
  if (p < 95) return "warn";
  if (p < 99) return "error";
  return "fatal";
}

constexpr std::array<std::string_view, 6> events = {"charge.created",    "charge.captured",
                                                    "session.refreshed", "order.placed",
                                                    "gateway.timeout",   "inventory.reserved"};

// 2026-11-24T10:MM:SS.mmmZ, a millisecond per seq (wrapping within the hour).
void append_ts(std::string& out, std::int64_t seq) {
  auto ms = static_cast<std::uint64_t>(seq) % 3'600'000;
  out += "2026-11-24T10:";
  append_padded(out, ms / 60'000, 2);
  out += ':';
  append_padded(out, ms / 1000 % 60, 2);
  out += '.';
  append_padded(out, ms % 1000, 3);
  out += 'Z';
}

void append_entry(std::string& out, std::int64_t seq) {
  const auto bits = mix(static_cast<std::uint64_t>(seq));
  out += R"({"seq":)";
  append_int(out, static_cast<std::uint64_t>(seq));
  out += R"(,"level":")";
  out += level_for(bits);
  out += R"(","message":")";
  out += events[(bits >> 8) % events.size()];
  out += " order=ord-";
  append_padded(out, static_cast<std::uint64_t>(seq), 10);
  out += " amount=";
  append_int(out, (bits >> 16) % 100'000);
  out += " currency=EUR user=u-";
  append_int(out, (bits >> 32) % 1'000'000);
  out += " took_ms=";
  append_int(out, (bits >> 48) % 2'000);
  out += R"(","requestId":"r-)";
  append_padded(out, (bits >> 12) % 100'000'000, 8);
  out += R"(","ts":")";
  append_ts(out, seq);
  out += '"';
  if (seq % 4 == 0) {
    out += R"(,"attrs":{"region":"eu-west-1","attempt":)";
    append_int(out, bits % 3 + 1);
    out += R"(,"cached":)";
    out += (bits & 1) ? "true" : "false";
    out += '}';
  }
  out += '}';
}

}  // namespace

std::string batch_body(const std::string& service, std::int64_t first, std::int64_t count) {
  std::string out;
  out.reserve(static_cast<std::size_t>(count) * 200 + 64);
  out += R"({"service":")";
  out += service;
  out += R"(","batch":[)";
  for (std::int64_t i = 0; i < count; ++i) {
    if (i > 0) out += ',';
    append_entry(out, first + i);
  }
  out += "]}";
  return out;
}

std::string service_name(std::size_t index) {
  return "bench-svc-" + std::to_string(index);
}

}  // namespace tracehub::bench
