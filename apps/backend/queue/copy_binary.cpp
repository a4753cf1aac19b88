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

// Writes into a buffer sized beforehand (append_binary_row: the row's length bounds what its
// tuple takes beyond the fixed parts), so no field checks capacity.
class writer {
 public:
  explicit writer(char* p) : p_(p) {}
  char* pos() const { return p_; }
  void u16(std::uint16_t v) {
    p_[0] = static_cast<char>(v >> 8);
    p_[1] = static_cast<char>(v);
    p_ += 2;
  }
  void u32(std::uint32_t v) {
    p_[0] = static_cast<char>(v >> 24);
    p_[1] = static_cast<char>(v >> 16);
    p_[2] = static_cast<char>(v >> 8);
    p_[3] = static_cast<char>(v);
    p_ += 4;
  }
  void null() { u32(0xffffffffu); }
  void int8(std::int64_t v) {
    u32(8);
    u32(static_cast<std::uint32_t>(static_cast<std::uint64_t>(v) >> 32));
    u32(static_cast<std::uint32_t>(static_cast<std::uint64_t>(v)));
  }
  // `col` unescaped (the inverse of append_copy_text) as one field: its length, then its bytes,
  // preceded by `prefix` when not 0 (jsonb's version byte). False on a malformed escape or a
  // raw carriage return.
  bool text(std::string_view col, char prefix = 0) {
    if (std::memchr(col.data(), '\r', col.size()) != nullptr) return false;
    char* len_at = p_;
    p_ += 4;
    char* start = p_;
    if (prefix != 0) *p_++ = prefix;
    const char* in = col.data();
    const char* end = in + col.size();
    for (;;) {
      const auto* bs =
          static_cast<const char*>(std::memchr(in, '\\', static_cast<std::size_t>(end - in)));
      const char* stop = bs ? bs : end;
      std::memcpy(p_, in, static_cast<std::size_t>(stop - in));
      p_ += stop - in;
      if (!bs) break;
      if (bs + 1 == end) return false;
      switch (bs[1]) {
        case '\\':
          *p_++ = '\\';
          break;
        case 't':
          *p_++ = '\t';
          break;
        case 'n':
          *p_++ = '\n';
          break;
        case 'r':
          *p_++ = '\r';
          break;
        default:
          return false;
      }
      in = bs + 2;
    }
    const auto n = static_cast<std::size_t>(p_ - start);
    if (n > 0x7fffffffu) return false;
    char* q = p_;
    p_ = len_at;
    u32(static_cast<std::uint32_t>(n));
    p_ = q;
    return true;
  }

 private:
  char* p_;
};

void put_u32(std::string& out, std::uint32_t v) {
  char b[4];
  writer(b).u32(v);
  out.append(b, 4);
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
  out.append("\xff\xff", 2);
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
  const std::size_t row_bytes = row.size();
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

  // The tuple never outgrows the row's own bytes plus: the field count, 8 lengths, 3 int8
  // bodies (seq, ts, ingested_at; counted whole though their text is longer or absent) and
  // jsonb's version byte. Unescaping only shrinks text.
  const std::size_t rollback = out.size();
  out.resize(rollback + row_bytes + 2 + 8 * 4 + 3 * 8 + 1);
  writer w(out.data() + rollback);
  const auto fail = [&](const char* why) {
    out.resize(rollback);
    return why;
  };
  w.u16(ingested_at_ms ? 8 : 7);
  auto text = [&](std::string_view c, char prefix = 0) {
    if (c == null_column) {
      w.null();
      return true;
    }
    return w.text(c, prefix);
  };
  if (!text(service)) return fail("malformed escape in service");
  if (seq == null_column) {
    w.null();
  } else {
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(seq.data(), seq.data() + seq.size(), v);
    if (ec != std::errc{} || end != seq.data() + seq.size() || seq.empty())
      return fail("seq is not a decimal int64");
    w.int8(v);
  }
  if (!text(level)) return fail("malformed escape in level");
  if (!text(message)) return fail("malformed escape in message");
  if (!text(request_id)) return fail("malformed escape in request_id");
  if (ts == null_column) {
    w.null();
  } else if (auto us = ts_binary(ts)) {
    w.int8(*us);
  } else {
    return fail("ts is not YYYY-MM-DDTHH:MM:SS[.ffffff]Z");
  }
  if (!text(attrs, '\x01')) return fail("malformed escape in attrs");
  if (at_us) w.int8(*at_us);
  out.resize(static_cast<std::size_t>(w.pos() - out.data()));
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
