// Whatever ingest accepts, rendered as COPY text and copied into the real `logs` table of a
// real Postgres, reads back equal: level (normalised), message, requestId, ts as an instant and
// attrs as a JSON value (jsonb normalises key order and duplicate keys, and compares numbers
// exactly). Integration: needs TRACEHUB_TEST_PG_URL (scripts/test-env.sh); each test gets its
// own database with the backend's migrations applied.
//
// The batches come from a seeded generator (the seed is in every failure message): unicode in
// all UTF-8 lengths, JSON escapes of every kind, tabs, newlines, carriage returns, backslashes
// and "\N" / "\." in text, attrs with strings, integers at the int64/uint64 bounds, doubles,
// booleans and null, requestIds at the length limit, timestamps across years 1..9999 with
// offsets and fractions, and repeated seqs inside a batch (the first one is stored).
#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "backend/ingest/batch_parser.h"
#include "backend/ingest/timestamp.h"
#include "backend/pg/connection.h"
#include "backend/pg/migrate.h"
#include "backend/queue/copy_row.h"
#include "backend/testing/pg_database.h"
#include "backend/worker/sql.h"

namespace tracehub::ingest {
namespace {

constexpr std::int64_t received_at_ms = 1'764'000'000'123;

// An instant as seconds and nanoseconds since the Unix epoch (years 1..9999 do not fit in
// int64 nanoseconds).
struct instant {
  std::int64_t seconds = 0;
  std::int64_t nanos = 0;  // 0..999'999'999
};

instant from_ms(std::int64_t ms) {
  auto s = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  return {s, (ms - s * 1000) * 1'000'000};
}

// One entry as the client sent it and as it must read back.
struct sent_entry {
  std::int64_t seq = 0;
  std::string json;   // the entry's JSON text
  std::string level;  // normalised
  std::string message;
  std::optional<std::string> request_id;  // nullopt: absent or null
  instant ts;
  std::optional<std::string> attrs;  // JSON text as sent; nullopt: absent or null
  std::string what;                  // for failure messages
};

// UTF-8 text and the JSON string literal that carries it.
struct text {
  std::string utf8;
  std::string json = "\"";
};

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class generator {
 public:
  explicit generator(std::uint64_t seed) : rng_(seed) {}

  std::uint64_t below(std::uint64_t n) { return rng_() % n; }
  bool one_in(std::uint64_t n) { return below(n) == 0; }
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }

  // Appends code point `cp` to `t`, escaped in the JSON literal one of the ways JSON allows.
  void add(text& t, char32_t cp) {
    append_utf8(t.utf8, cp);
    static constexpr std::array<std::pair<char32_t, char>, 7> shorts = {{{'"', '"'},
                                                                         {'\\', '\\'},
                                                                         {'\b', 'b'},
                                                                         {'\f', 'f'},
                                                                         {'\n', 'n'},
                                                                         {'\r', 'r'},
                                                                         {'\t', 't'}}};
    auto s = std::find_if(shorts.begin(), shorts.end(), [&](auto p) { return p.first == cp; });
    bool must_escape = cp < 0x20 || cp == '"' || cp == '\\';
    if (s != shorts.end() && (!one_in(3) || cp == '"' || cp == '\\')) {
      t.json += '\\';
      t.json += s->second;
    } else if (cp == '/' && one_in(2)) {
      t.json += "\\/";
    } else if (must_escape || one_in(5)) {
      append_u_escape(t.json, cp);
    } else {
      append_utf8(t.json, cp);
    }
  }

  char32_t code_point() {
    switch (below(10)) {
      case 0:
      case 1:
      case 2:
      case 3:
        return static_cast<char32_t>(between(0x20, 0x7E));
      case 4: {
        static constexpr char32_t tricky[] = {'\t', '\n', '\r', '\\', '"', '/', 'N', '.', 0x7F};
        return tricky[below(std::size(tricky))];
      }
      case 5:
        return static_cast<char32_t>(between(0x01, 0x1F));
      case 6:
        return static_cast<char32_t>(between(0x80, 0x7FF));
      case 7: {
        auto cp = static_cast<char32_t>(between(0x800, 0xFFFF - 0x800));
        return cp >= 0xD800 ? cp + 0x800 : cp;  // no surrogates
      }
      default:
        return static_cast<char32_t>(between(0x10000, 0x10FFFF));
    }
  }

  text random_text(std::size_t max_code_points) {
    text t;
    auto n = below(max_code_points + 1);
    for (std::size_t i = 0; i < n; ++i)
      add(t, code_point());
    t.json += '"';
    return t;
  }

  std::string level(std::string& normalised) {
    static constexpr std::array<std::string_view, 6> names = {"debug", "info",  "warn",
                                                              "error", "fatal", "warning"};
    std::string name(names[below(names.size())]);
    normalised = name == "warning" ? "warn" : name;
    for (auto& c : name)
      if (one_in(3)) c = static_cast<char>(c - 'a' + 'A');
    return name;
  }

  // A canonical RFC 3339 time (upper-case T and Z, offsets within ±14:00, at most six fraction
  // digits) between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z.
  std::string rfc3339(instant& at) {
    using namespace std::chrono;
    while (true) {
      int y = static_cast<int>(between(1, 9999));
      if (one_in(8)) y = one_in(2) ? 1 : 9999;
      auto m = static_cast<unsigned>(between(1, 12));
      auto last = year_month_day_last{year{y}, month_day_last{month{m}}}.day();
      auto d = static_cast<unsigned>(between(1, static_cast<unsigned>(last)));
      auto hh = between(0, 23), mi = between(0, 59), ss = between(0, 59);
      auto digits = below(7);
      std::int64_t offset_min = one_in(3) ? 0 : between(-14 * 60, 14 * 60);
      std::int64_t local =
          sys_days{year_month_day{year{y}, month{m}, day{d}}}.time_since_epoch().count() * 86400 +
          hh * 3600 + mi * 60 + ss;
      at.seconds = local - offset_min * 60;
      std::string fraction;
      at.nanos = 0;
      for (std::size_t i = 0; i < digits; ++i)
        fraction += static_cast<char>('0' + below(10));
      if (!fraction.empty()) {
        std::string padded = fraction + std::string(9 - fraction.size(), '0');
        at.nanos = std::stoll(padded);
        fraction = "." + fraction;
      }
      if (at.seconds < first_second || at.seconds > last_second) continue;  // outside 1..9999
      char buf[64];
      std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lld%s", y, m, d,
                    static_cast<long long>(hh), static_cast<long long>(mi),
                    static_cast<long long>(ss), fraction.c_str());
      std::string out = buf;
      if (offset_min == 0 && !one_in(4)) return out + "Z";
      auto a = std::abs(offset_min);
      std::snprintf(buf, sizeof buf, "%c%02lld:%02lld", offset_min < 0 ? '-' : '+',
                    static_cast<long long>(a / 60), static_cast<long long>(a % 60));
      return out + buf;
    }
  }

  // A JSON number that a double or an int64/uint64 holds exactly, as text.
  std::string number() {
    static constexpr std::array<std::string_view, 10> edges = {"0",
                                                               "-1",
                                                               "9007199254740991",
                                                               "9007199254740993",
                                                               "9223372036854775807",
                                                               "-9223372036854775808",
                                                               "18446744073709551615",
                                                               "1.7976931348623157e308",
                                                               "5e-324",
                                                               "-2.2250738585072014e-308"};
    if (one_in(3)) return std::string(edges[below(edges.size())]);
    if (one_in(2)) return std::to_string(static_cast<std::int64_t>(rng_()));
    double d;
    do {
      auto bits = rng_();
      std::memcpy(&d, &bits, sizeof d);
    } while (!std::isfinite(d));
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);  // shortest round trip
    return std::string(buf, end);
  }

  std::string attrs() {
    std::string out = "{";
    auto n = below(6);
    for (std::size_t i = 0; i < n; ++i) {
      if (i) out += ',';
      out += one_in(6) ? std::string("\"dup\"") : random_text(8).json;
      out += ':';
      switch (below(6)) {
        case 0:
          out += random_text(24).json;
          break;
        case 1:
        case 2:
          out += number();
          break;
        case 3:
          out += one_in(2) ? "true" : "false";
          break;
        case 4:
          out += "null";
          break;
        default:
          out += "\"\"";
      }
    }
    return out + "}";
  }

  sent_entry entry(std::int64_t seq) {
    sent_entry e;
    e.seq = seq;
    std::vector<std::string> fields;
    fields.push_back("\"seq\":" + std::to_string(seq));
    fields.push_back("\"level\":\"" + level(e.level) + "\"");
    text message = one_in(20) ? random_text(3000) : random_text(40);
    e.message = message.utf8;
    fields.push_back("\"message\":" + message.json);
    switch (below(4)) {
      case 0:
        break;
      case 1:
        fields.push_back("\"requestId\":null");
        break;
      default: {
        text id = random_text(one_in(4) ? 0 : 40);
        if (one_in(5)) {  // exactly at the limit of 128 characters, some of four bytes
          id = text{};
          for (int i = 0; i < 128; ++i)
            add(id, one_in(2) ? char32_t{0x1F600} : char32_t{'r'});
          id.json += '"';
        }
        e.request_id = id.utf8;
        fields.push_back("\"requestId\":" + id.json);
      }
    }
    switch (below(5)) {
      case 0:
        e.ts = from_ms(received_at_ms);
        break;
      case 1: {
        auto ms = one_in(4) ? (one_in(2) ? min_epoch_ms : max_epoch_ms)
                            : between(min_epoch_ms, max_epoch_ms);
        e.ts = from_ms(ms);
        fields.push_back("\"ts\":" + std::to_string(ms));
        break;
      }
      default:
        fields.push_back("\"ts\":\"" + rfc3339(e.ts) + "\"");
    }
    switch (below(3)) {
      case 0:
        break;
      case 1:
        if (one_in(2)) fields.push_back("\"attrs\":null");
        break;
      default:
        e.attrs = attrs();
        fields.push_back("\"attrs\":" + *e.attrs);
    }
    std::shuffle(fields.begin(), fields.end(), rng_);
    e.json = "{";
    for (std::size_t i = 0; i < fields.size(); ++i)
      e.json += (i ? "," : "") + fields[i];
    e.json += "}";
    e.what = "seq " + std::to_string(seq) + ": " + e.json.substr(0, 400);
    return e;
  }

  static constexpr std::int64_t first_second = -62135596800;  // 0001-01-01T00:00:00Z
  static constexpr std::int64_t last_second = 253402300799;   // 9999-12-31T23:59:59Z

 private:
  static void append_u_escape(std::string& out, char32_t cp) {
    auto hex4 = [&](unsigned v) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "\\u%04x", v);
      out += buf;
    };
    if (cp < 0x10000) {
      hex4(static_cast<unsigned>(cp));
    } else {
      cp -= 0x10000;
      hex4(0xD800 + static_cast<unsigned>(cp >> 10));
      hex4(0xDC00 + static_cast<unsigned>(cp & 0x3FF));
    }
  }

  std::mt19937_64 rng_;
};

std::string body_of(std::string_view service, const std::vector<sent_entry>& entries) {
  std::string body = "{\"service\":\"" + std::string(service) + "\",\"batch\":[";
  for (std::size_t i = 0; i < entries.size(); ++i)
    body += (i ? "," : "") + entries[i].json;
  return body + "]}";
}

class ingest_roundtrip_pg : public ::testing::Test {
 protected:
  void SetUp() override {
    auto applied = pg::migrate(c_, pg::backend_migrations());
    ASSERT_TRUE(applied) << applied.error().message() << ": " << c_.last_error();
  }

  // Parses `entries` as one batch of `service`. Returns the rows, or the rejection's text.
  std::variant<std::string, std::string> parse(std::string_view service,
                                               const std::vector<sent_entry>& entries) {
    std::string body = body_of(service, entries);
    auto r = parser_.parse(body, received_at_ms);
    if (auto* rej = std::get_if<rejection>(&r))
      return std::variant<std::string, std::string>(std::in_place_index<1>,
                                                    rej->code + ": " + rej->detail);
    return std::variant<std::string, std::string>(std::in_place_index<0>,
                                                  std::get<parsed_batch>(r).rows);
  }

  // Copies `rows` into logs the way the worker does (with the ingested_at column of an entry
  // queued when the batch was received); returns Postgres' error, if any.
  std::optional<std::string> copy(std::string_view rows) {
    std::string stored;
    queue::append_stored_rows(stored, rows, queue::ingested_at_text(received_at_ms));
    if (auto st = c_.copy_in(worker::sql::copy_logs, stored); !st) return c_.last_error();
    return std::nullopt;
  }

  // Reads the stored row of (service, e.seq) and compares it with what was sent.
  void expect_stored(std::string_view service, const sent_entry& e) {
    SCOPED_TRACE(e.what);
    const std::string seq = std::to_string(e.seq);
    const std::array<pg::param, 3> params = {service, std::string_view(seq),
                                             e.attrs ? pg::param(*e.attrs) : std::nullopt};
    auto r = c_.query(
        "SELECT level, message, request_id, (extract(epoch FROM ts) * 1000000)::bigint, "
        "attrs IS NOT DISTINCT FROM $3::jsonb, attrs::text "
        "FROM logs WHERE service = $1 AND seq = $2::bigint",
        params);
    ASSERT_TRUE(r) << c_.last_error();
    ASSERT_EQ(r->size(), 1u) << "the row is not stored";
    EXPECT_EQ(r->get(0, 0), e.level);
    EXPECT_EQ(r->get(0, 1), e.message);
    EXPECT_EQ(r->is_null(0, 2), !e.request_id);
    if (e.request_id) {
      EXPECT_EQ(r->get(0, 2), *e.request_id);
    }
    // Postgres keeps microseconds: the stored instant is within 1 us of the one sent.
    std::int64_t stored_us = r->get_int(0, 3);
    std::int64_t off_ns = (stored_us - e.ts.seconds * 1'000'000) * 1000 - e.ts.nanos;
    EXPECT_LT(std::abs(off_ns), 1000) << "stored " << stored_us << " us since the epoch";
    EXPECT_EQ(r->get(0, 4), "t") << "stored attrs " << (r->is_null(0, 5) ? "NULL" : r->get(0, 5))
                                 << ", sent " << e.attrs.value_or("nothing");
  }

  // Expects `entries` accepted as one batch, stored whole, and read back equal (repeated
  // seqs: the first one).
  void round_trip(std::string_view service, const std::vector<sent_entry>& entries) {
    auto parsed = parse(service, entries);
    ASSERT_EQ(parsed.index(), 0u) << "refused: " << std::get<1>(parsed);
    auto failed = copy(std::get<0>(parsed));
    ASSERT_FALSE(failed) << "COPY failed: " << *failed;
    std::map<std::int64_t, const sent_entry*> first;
    for (const auto& e : entries)
      first.emplace(e.seq, &e);
    for (const auto& [seq, e] : first)
      expect_stored(service, *e);
  }

  // One entry of an edge test. `must`: valid by docs/PROTOCOL.md, so it must be accepted;
  // otherwise it sits on or beyond an edge where refusing is fine, but accepting promises to
  // store it as sent.
  struct edge {
    bool must;
    std::string fields;  // after "seq" and "level"
    std::string message;
    std::optional<std::string> request_id;
    instant ts;
    std::optional<std::string> attrs;
  };

  // One batch per edge, each checked on its own, so a failure names the value.
  void check_edges(std::string_view service, const std::vector<edge>& edges) {
    std::size_t refused = 0;
    for (std::size_t i = 0; i < edges.size(); ++i) {
      const auto& x = edges[i];
      sent_entry e{static_cast<std::int64_t>(i + 1),
                   "{\"seq\":" + std::to_string(i + 1) + ",\"level\":\"info\"," + x.fields + "}",
                   "info",
                   x.message,
                   x.request_id,
                   x.ts,
                   x.attrs,
                   x.fields.substr(0, 200)};
      SCOPED_TRACE(e.what);
      auto parsed = parse(service, {e});
      if (parsed.index() == 1) {
        EXPECT_FALSE(x.must) << "refused: " << std::get<1>(parsed);
        ++refused;
        continue;
      }
      if (auto failed = copy(std::get<0>(parsed))) {
        ADD_FAILURE() << "accepted by ingest, refused by Postgres: " << *failed;
        continue;
      }
      expect_stored(service, e);
    }
    std::printf("%s: %zu of %zu refused by ingest, the rest stored and read back\n",
                std::string(service).c_str(), refused, edges.size());
  }

  const instant received_ = from_ms(received_at_ms);
  testing::pg_database db_ = testing::pg_database::create();
  pg::connection c_ = db_.connect();
  batch_parser parser_{limits{}};
};

TEST_F(ingest_roundtrip_pg, random_valid_batches_read_back_equal) {
  for (std::uint64_t seed : {1, 2, 3, 20'251'124}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    generator gen(seed);
    for (int b = 0; b < 50; ++b) {
      std::vector<sent_entry> entries;
      auto n = gen.between(1, 40);
      for (std::int64_t i = 0; i < n; ++i) {
        // Mostly distinct seqs, some repeated, some at the edges of 1..2^53-1.
        std::int64_t seq = gen.one_in(10)   ? gen.between(1, std::max<std::int64_t>(1, i))
                           : gen.one_in(20) ? max_seq - i
                                            : b * 1000 + i + 1;
        entries.push_back(gen.entry(seq));
      }
      const std::string service = "rt-" + std::to_string(seed) + "-" + std::to_string(b);
      round_trip(service, entries);
      if (HasFatalFailure()) return;
    }
  }
}

TEST_F(ingest_roundtrip_pg, edge_values_either_refused_or_read_back_equal) {
  using namespace std::string_literals;
  const instant received = received_;
  const std::int64_t day_2026 = 1'767'225'600;  // 2026-01-01T00:00:00Z
  std::vector<edge> edges = {
      {true, R"("message":"","ts":"0001-01-01T00:00:00Z")", "", {}, {-62135596800, 0}, {}},
      {true,
       R"("message":"","ts":"9999-12-31T23:59:59.999999Z")",
       "",
       {},
       {253402300799, 999'999'000},
       {}},
      {true, R"("message":"","ts":0)", "", {}, {0, 0}, {}},
      {true, R"("message":"","ts":-1)", "", {}, {-1, 999'000'000}, {}},
      {true, R"("message":"","ts":-62135596800000)", "", {}, {-62135596800, 0}, {}},
      {true, R"("message":"","ts":253402300799999)", "", {}, {253402300799, 999'000'000}, {}},
      {true, R"("message":"\\N")", "\\N", {}, received, {}},
      {true, R"("message":"\\.")", "\\.", {}, received, {}},
      {true, R"("message":"a\tb\nc\rd\\e")", "a\tb\nc\rd\\e", {}, received, {}},
      {true,
       R"("message":"\u2028\ufeff\uffff\udbff\udfff")",
       "\u2028\ufeff\uffff\U0010FFFF",
       {},
       received,
       {}},
      {true, R"("message":"m","requestId":"")", "m", ""s, received, {}},
      {true,
       R"("message":"m","attrs":{"i":9223372036854775807,"j":-9223372036854775808,"u":18446744073709551615,"s":9007199254740993})",
       "m",
       {},
       received,
       R"({"i":9223372036854775807,"j":-9223372036854775808,"u":18446744073709551615,"s":9007199254740993})"},
      {true,
       R"("message":"m","attrs":{"a":1.7976931348623157e308,"b":5e-324,"c":-0.0,"d":0.1,"e":1E+2})",
       "m",
       {},
       received,
       R"({"a":1.7976931348623157e308,"b":5e-324,"c":-0.0,"d":0.1,"e":1E+2})"},
      {true,
       R"("message":"m","attrs":{"k":1,"k":"last","":"\\\t"})",
       "m",
       {},
       received,
       R"({"k":1,"k":"last","":"\\\t"})"},
      {true, R"("message":"m","attrs":{})", "m", {}, received, "{}"},
      {true,
       R"("message":"m","ts":"2026-01-01T00:00:00+14:00")",
       "m",
       {},
       {day_2026 - 14 * 3600, 0},
       {}},
      // Beyond the canonical forms: refusing is fine, storing something else is not.
      {false,
       R"("message":"m","ts":"2026-01-01T00:00:00+15:59")",
       "m",
       {},
       {day_2026 - 15 * 3600 - 59 * 60, 0},
       {}},
      {false,
       R"("message":"m","ts":"2026-01-01T00:00:00-15:59")",
       "m",
       {},
       {day_2026 + 15 * 3600 + 59 * 60, 0},
       {}},
      {false,
       R"("message":"m","ts":"2026-01-01T00:00:00+16:00")",
       "m",
       {},
       {day_2026 - 16 * 3600, 0},
       {}},
      {false,
       R"("message":"m","ts":"2026-01-01T00:00:00-23:59")",
       "m",
       {},
       {day_2026 + 23 * 3600 + 59 * 60, 0},
       {}},
      {false,
       R"("message":"m","ts":"2026-01-01T00:00:00+23:59")",
       "m",
       {},
       {day_2026 - 23 * 3600 - 59 * 60, 0},
       {}},
      {false, R"("message":"m","ts":"2025-12-31T23:59:60Z")", "m", {}, {day_2026, 0}, {}},
      {false,
       R"("message":"m","ts":"2025-12-31T23:59:60.5Z")",
       "m",
       {},
       {day_2026, 500'000'000},
       {}},
      {false,
       R"("message":"m","ts":"2026-01-01t00:00:00.123456789z")",
       "m",
       {},
       {day_2026, 123'456'789},
       {}},
      {false, R"("message":"m","ts":"2026-01-01 00:00:00.0000005Z")", "m", {}, {day_2026, 500}, {}},
      {false,
       R"("message":"m","ts":"0001-01-01T00:00:00+00:01")",
       "m",
       {},
       {-62135596800 - 60, 0},
       {}},
      {false,
       R"("message":"m","ts":"9999-12-31T23:59:59-00:01")",
       "m",
       {},
       {253402300799 + 60, 0},
       {}},
      {false,
       R"("message":"m","ts":"9999-12-31T23:59:59.9999995Z")",
       "m",
       {},
       {253402300799, 999'999'500},
       {}},
  };
  // At the limits: a message of exactly 64 KiB and a requestId of exactly 128 characters.
  {
    std::string m(limits{}.max_message_bytes - 4, 'x');
    m += "\U0001F600";
    edges.push_back({true, "\"message\":\"" + m + "\"", m, {}, received, {}});
    std::string id;
    for (int i = 0; i < 128; ++i)
      id += "\U0001F600";
    edges.push_back(
        {true, "\"message\":\"m\",\"requestId\":\"" + id + "\"", "m", id, received, {}});
  }

  check_edges("edges", edges);
}

// jsonb keeps every number exactly, so an attrs number survives only if ingest does not round
// it: one beyond a 64-bit integer or a double's range must be refused (invalid_number), and
// one with more digits than a double holds must be refused or kept digit for digit. Fails
// today: simdjson reads 1e-400 as 0.0 and 0.12345678901234567890123 as 0.12345678901234568,
// and ingest stores what it read.
// attrs numbers are JSON numbers as JavaScript reads them (docs/PROTOCOL.md, "Ingest"): an
// integer that fits 64 bits is kept exactly; any other number is an IEEE double, stored as the
// shortest decimal that reads back to that double (so 0.12345678901234567890123 is stored as
// 0.12345678901234568, and 1e-400 as 0). Integers beyond 64 bits and numbers beyond a double's
// range are refused (invalid_number), never stored changed.
TEST_F(ingest_roundtrip_pg, attrs_numbers_are_refused_or_stored_as_doubles) {
  auto as_double = [](const std::string& text) {
    double d = std::strtod(text.c_str(), nullptr);
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
    return std::string(buf, end);
  };
  std::vector<edge> edges;
  for (std::string number : {"123456789012345678901234567890", "-9223372036854775809",
                             "18446744073709551616", "1e400", "-1e309"}) {
    std::string attrs = R"({"n":)" + number + "}";
    edges.push_back({false, R"("message":"m","attrs":)" + attrs, "m", {}, received_, attrs});
  }
  for (std::string number :
       {"1e-400", "0.12345678901234567890123", "9007199254740993.0", "1.00000000000000000000001",
        "-0.0", "5e-324", "1.7976931348623157e308", "9223372036854775807", "-9223372036854775808",
        "18446744073709551615"}) {
    bool integer = number.find_first_of(".e") == std::string::npos;
    std::string stored = R"({"n":)" + (integer ? number : as_double(number)) + "}";
    edges.push_back(
        {true, R"("message":"m","attrs":{"n":)" + number + "}", "m", {}, received_, stored});
  }
  check_edges("numbers", edges);
}

}  // namespace
}  // namespace tracehub::ingest
