// Fuzzes the binary COPY converter (queue/copy_binary.h) on arbitrary rows:
//  - it never crashes, and a refused row leaves the output as it was;
//  - a row it takes has exactly seven tab-separated columns with nothing but \\ \t \n \r
//    escapes, and the tuple it writes reads back field by field: 7 or 8 fields, each a length
//    (-1 for \N) and that many bytes; the text fields are the columns unescaped (an independent
//    unescape, fuzz/check.h), seq is the column's int64, jsonb starts with version byte 1;
//  - a row of fewer or more than seven columns is always refused.
// The first input byte picks whether an ingested_at column is added (and its value).
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backend/queue/copy_binary.h"
#include "check.h"

namespace tracehub::fuzz {
namespace {

std::uint32_t u32(std::string_view s, std::size_t at) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at])) << 24 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 1])) << 16 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 2])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 3]));
}

std::vector<std::string_view> columns(std::string_view row) {
  std::vector<std::string_view> out;
  for (;;) {
    auto tab = row.find('\t');
    out.push_back(row.substr(0, tab));
    if (tab == std::string_view::npos) return out;
    row.remove_prefix(tab + 1);
  }
}

void check(std::string_view row, std::optional<std::int64_t> at_ms) {
  const std::string before = "prefix";
  std::string out = before;
  const char* why = queue::append_binary_row(out, row, at_ms);
  std::string_view body = row;
  if (body.ends_with('\n')) body.remove_suffix(1);
  const auto cols = columns(body);
  if (cols.size() != 7) FUZZ_CHECK(why != nullptr, "a row without seven columns is refused");
  if (why != nullptr) {
    FUZZ_CHECK(out == before, "a refused row leaves the output alone");
    return;
  }
  FUZZ_CHECK(body.find('\n') == std::string_view::npos, "no raw newline in a taken row");
  std::string_view t = std::string_view(out).substr(before.size());
  FUZZ_CHECK(t.size() >= 2, "a tuple has a field count");
  const std::size_t fields =
      (static_cast<unsigned char>(t[0]) << 8) | static_cast<unsigned char>(t[1]);
  FUZZ_CHECK(fields == (at_ms ? 8u : 7u), "7 fields, 8 with ingested_at");
  std::size_t pos = 2;
  for (std::size_t f = 0; f < fields; ++f) {
    FUZZ_CHECK(pos + 4 <= t.size(), "each field has a length");
    const std::uint32_t len = u32(t, pos);
    pos += 4;
    if (f < 7 && cols[f] == "\\N") {
      FUZZ_CHECK(len == 0xffffffffu, "\\N is NULL");
      continue;
    }
    FUZZ_CHECK(len != 0xffffffffu && pos + len <= t.size(), "a field's bytes are there");
    const std::string_view v = t.substr(pos, len);
    pos += len;
    switch (f) {
      case 1:
      case 5:
      case 7:
        FUZZ_CHECK(len == 8, "bigint and timestamptz take 8 bytes");
        break;
      case 6: {
        FUZZ_CHECK(len >= 1 && v[0] == '\x01', "jsonb starts with version 1");
        const auto text = copy_unescape(cols[6]);
        FUZZ_CHECK(text && v.substr(1) == *text, "attrs is the column unescaped");
        break;
      }
      default: {
        const auto text = copy_unescape(cols[f]);
        FUZZ_CHECK(text && v == *text, "a text field is the column unescaped");
      }
    }
    if (f == 1) {
      std::int64_t seq = 0;
      auto [end, ec] = std::from_chars(cols[1].data(), cols[1].data() + cols[1].size(), seq);
      FUZZ_CHECK(ec == std::errc{} && end == cols[1].data() + cols[1].size(),
                 "a taken seq is a decimal int64");
      FUZZ_CHECK(static_cast<std::uint64_t>(seq) ==
                     (static_cast<std::uint64_t>(u32(v, 0)) << 32 | u32(v, 4)),
                 "seq is sent as its int64, big-endian");
    }
  }
  FUZZ_CHECK(pos == t.size(), "nothing after the last field");
}

}  // namespace
}  // namespace tracehub::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::optional<std::int64_t> at_ms;
  if (data[0] & 1) at_ms = (static_cast<std::int64_t>(data[0]) - 128) * 2'000'000'000'000;
  std::string_view row(reinterpret_cast<const char*>(data + 1), size - 1);
  tracehub::fuzz::check(row, at_ms);
  // Several rows at once: stops at the first refused one, keeping the rows before it.
  std::string out;
  (void)tracehub::queue::append_binary_rows(out, row, at_ms);
  return 0;
}
