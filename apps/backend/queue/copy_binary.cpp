#include "backend/queue/copy_binary.h"

#include <charconv>
#include <chrono>
#include <cstring>

#include <array>

#include "backend/queue/copy_row.h"

namespace tracehub::queue {

namespace {

// 2000-01-01 00:00:00 UTC, PostgreSQL's timestamp epoch, in microseconds since the Unix epoch.
constexpr std::int64_t pg_epoch_us = 946'684'800'000'000;
// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z in Unix microseconds: the years a ts
// may take (ingest/timestamp.h accepts the same).
constexpr std::int64_t min_unix_us = -62'135'596'800'000'000;
constexpr std::int64_t max_unix_us = 253'402'300'799'999'999;

void put_u16(std::string& out, std::uint16_t v) {
  out += static_cast<char>(v >> 8);
  out += static_cast<char>(v & 0xff);
}

void put_u32(std::string& out, std::uint32_t v) {
  char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
               static_cast<char>(v)};
  out.append(b, 4);
}

void put_u64(std::string& out, std::uint64_t v) {
  put_u32(out, static_cast<std::uint32_t>(v >> 32));
  put_u32(out, static_cast<std::uint32_t>(v));
}

void set_u32(std::string& out, std::size_t at, std::uint32_t v) {
  out[at] = static_cast<char>(v >> 24);
  out[at + 1] = static_cast<char>(v >> 16);
  out[at + 2] = static_cast<char>(v >> 8);
  out[at + 3] = static_cast<char>(v);
}

void put_null(std::string& out) {
  put_u32(out, 0xffffffffu);
}

void put_int8(std::string& out, std::int64_t v) {
  put_u32(out, 8);
  put_u64(out, static_cast<std::uint64_t>(v));
}

// Appends `col` unescaped (the inverse of append_copy_text) as one field: its length, then its
// bytes, preceded by `prefix` when not 0 (jsonb's version byte). False on a malformed escape or a
// raw carriage return.
bool put_text(std::string& out, std::string_view col, char prefix = 0) {
  const std::size_t len_at = out.size();
  put_u32(out, 0);
  const std::size_t start = out.size();
  if (prefix != 0) out += prefix;
  std::size_t from = 0;
  for (;;) {
    std::size_t i = from;
    while (i < col.size() && col[i] != '\\' && col[i] != '\r')
      ++i;
    out.append(col.data() + from, i - from);
    if (i == col.size()) break;
    if (col[i] == '\r' || i + 1 == col.size()) return false;
    switch (col[i + 1]) {
      case '\\':
        out += '\\';
        break;
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      default:
        return false;
    }
    from = i + 2;
  }
  const std::size_t n = out.size() - start;
  if (n > 0x7fffffffu) return false;
  set_u32(out, len_at, static_cast<std::uint32_t>(n));
  return true;
}

bool digits(std::string_view s, std::size_t at, std::size_t n, int& v) {
  v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

void append_binary_header(std::string& out) {
  static constexpr char signature[] = "PGCOPY\n\xff\r\n";  // with its terminating \0: 11 bytes
  out.append(signature, sizeof signature);
  put_u32(out, 0);  // flags: no OIDs
  put_u32(out, 0);  // header extension length
}

void append_binary_trailer(std::string& out) {
  put_u16(out, 0xffff);
}

std::optional<std::int64_t> ts_binary(std::string_view ts) {
  // YYYY-MM-DDTHH:MM:SS, then .f{1,6} optionally, then Z.
  if (ts.size() < 20 || ts.size() > 27 || ts[4] != '-' || ts[7] != '-' || ts[10] != 'T' ||
      ts[13] != ':' || ts[16] != ':' || ts.back() != 'Z')
    return std::nullopt;
  int y, mo, d, h, mi, s;
  if (!digits(ts, 0, 4, y) || !digits(ts, 5, 2, mo) || !digits(ts, 8, 2, d) ||
      !digits(ts, 11, 2, h) || !digits(ts, 14, 2, mi) || !digits(ts, 17, 2, s))
    return std::nullopt;
  int frac = 0;
  if (ts.size() > 20) {
    const std::size_t n = ts.size() - 21;  // digits between '.' and 'Z'
    if (ts[19] != '.' || n == 0 || !digits(ts, 20, n, frac)) return std::nullopt;
    for (std::size_t k = n; k < 6; ++k)
      frac *= 10;
  }
  using namespace std::chrono;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                           day{static_cast<unsigned>(d)}};
  if (y < 1 || !ymd.ok() || h > 23 || mi > 59 || s > 59) return std::nullopt;
  const std::int64_t days = sys_days{ymd}.time_since_epoch().count();
  const std::int64_t unix_us =
      ((days * 86'400 + h * 3'600 + mi * 60 + s) * 1'000'000) + static_cast<std::int64_t>(frac);
  return unix_us - pg_epoch_us;
}

const char* append_binary_row(std::string& out, std::string_view row,
                              std::optional<std::int64_t> ingested_at_ms) {
  if (row.ends_with('\n')) row.remove_suffix(1);
  if (row.find('\n') != std::string_view::npos) return "a raw newline inside the row";
  std::array<std::string_view, 7> col;
  std::size_t n = 0;
  for (;;) {
    const auto tab = row.find('\t');
    if (n == col.size()) return "more than seven columns";
    col[n++] = row.substr(0, tab);
    if (tab == std::string_view::npos) break;
    row.remove_prefix(tab + 1);
  }
  if (n != col.size()) return "fewer than seven columns";
  const auto& [service, seq, level, message, request_id, ts, attrs] = col;
  std::optional<std::int64_t> at_us;
  if (ingested_at_ms) {
    if (*ingested_at_ms < min_unix_us / 1000 || *ingested_at_ms > max_unix_us / 1000)
      return "ingested_at outside years 1..9999";
    at_us = *ingested_at_ms * 1000 - pg_epoch_us;
  }

  const std::size_t rollback = out.size();
  const auto fail = [&](const char* why) {
    out.resize(rollback);
    return why;
  };
  put_u16(out, ingested_at_ms ? 8 : 7);
  auto text = [&](std::string_view c, char prefix = 0) {
    if (c == null_column) {
      put_null(out);
      return true;
    }
    return put_text(out, c, prefix);
  };
  if (!text(service)) return fail("malformed escape in service");
  if (seq == null_column) {
    put_null(out);
  } else {
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(seq.data(), seq.data() + seq.size(), v);
    if (ec != std::errc{} || end != seq.data() + seq.size() || seq.empty())
      return fail("seq is not a decimal int64");
    put_int8(out, v);
  }
  if (!text(level)) return fail("malformed escape in level");
  if (!text(message)) return fail("malformed escape in message");
  if (!text(request_id)) return fail("malformed escape in request_id");
  if (ts == null_column) {
    put_null(out);
  } else if (auto us = ts_binary(ts)) {
    put_int8(out, *us);
  } else {
    return fail("ts is not YYYY-MM-DDTHH:MM:SS[.ffffff]Z");
  }
  if (!text(attrs, '\x01')) return fail("malformed escape in attrs");
  if (at_us) put_int8(out, *at_us);
  return nullptr;
}

const char* append_binary_rows(std::string& out, std::string_view rows,
                               std::optional<std::int64_t> ingested_at_ms) {
  while (!rows.empty()) {
    auto nl = rows.find('\n');
    auto row = rows.substr(0, nl);
    rows.remove_prefix(nl == std::string_view::npos ? rows.size() : nl + 1);
    if (const char* why = append_binary_row(out, row, ingested_at_ms)) return why;
  }
  return nullptr;
}

}  // namespace tracehub::queue
