// Every rule of "Ingest" (docs/PROTOCOL.md) that needs no server state, crossed from both sides.
#include "backend/ingest/batch_parser.h"

#include <gtest/gtest.h>

#include "backend/ingest/timestamp.h"

namespace tracehub::ingest {
namespace {

constexpr std::int64_t received_ms = 1'764'000'000'000;

std::variant<parsed_batch, rejection> parse(std::string body, limits l = {}) {
  batch_parser p(l);
  return p.parse(body, received_ms);
}

std::string entry(std::int64_t seq, std::string extra = "") {
  return R"({"seq":)" + std::to_string(seq) + R"(,"level":"info","message":"m")" + extra + "}";
}

std::string body_of(std::vector<std::string> entries, std::string service = "payment-service") {
  std::string b = R"({"service":")" + service + R"(","batch":[)";
  for (std::size_t i = 0; i < entries.size(); ++i)
    b += (i ? "," : "") + entries[i];
  return b + "]}";
}

parsed_batch accepted(std::string body) {
  auto r = parse(std::move(body));
  if (auto* rej = std::get_if<rejection>(&r)) ADD_FAILURE() << rej->code << ": " << rej->detail;
  return std::get<parsed_batch>(std::move(r));
}

void expect_rejected(std::string body, unsigned status, std::string code,
                     std::optional<std::size_t> index, limits l = {}) {
  auto r = parse(std::move(body), l);
  ASSERT_TRUE(std::holds_alternative<rejection>(r)) << "expected " << code;
  const auto& rej = std::get<rejection>(r);
  EXPECT_EQ(rej.http_status, status) << rej.detail;
  EXPECT_EQ(rej.code, code) << rej.detail;
  EXPECT_EQ(rej.index, index) << rej.detail;
  EXPECT_FALSE(rej.detail.empty());
}

TEST(batch_parser, seed_example_renders_copy_rows) {
  auto b = accepted(
      R"({"service":"payment-service","batch":[{"seq":1097,"level":"info","message":"charge.created","requestId":"r-1","ts":"2026-11-24T10:00:00Z"},{"seq":1099,"level":"error","message":"gateway.timeout"}]})");
  EXPECT_EQ(b.service, "payment-service");
  EXPECT_EQ(b.rows,
            "payment-service\t1097\tinfo\tcharge.created\tr-1\t2026-11-24T10:00:00.000000Z\t\\N\n"
            "payment-service\t1099\terror\tgateway.timeout\t\\N\t" +
                format_epoch_us(received_ms * 1000) + "\t\\N\n");
  EXPECT_EQ(b.runs, (std::vector<queue::seq_range>{{1097, 1097}, {1099, 1099}}));
  EXPECT_EQ(b.in_batch_duplicates, 0u);
}

TEST(batch_parser, runs_are_sorted_and_merged) {
  auto b = accepted(body_of({entry(5), entry(3), entry(4), entry(10), entry(1)}));
  EXPECT_EQ(b.runs, (std::vector<queue::seq_range>{{1, 1}, {3, 5}, {10, 10}}));
}

TEST(batch_parser, duplicate_seqs_inside_a_batch_keep_the_first_and_are_counted) {
  auto b = accepted(body_of({entry(1, R"(,"requestId":"first")"), entry(2),
                             entry(1, R"(,"requestId":"second")"), entry(2)}));
  EXPECT_EQ(b.in_batch_duplicates, 2u);
  EXPECT_EQ(b.runs, (std::vector<queue::seq_range>{{1, 2}}));
  EXPECT_NE(b.rows.find("first"), std::string::npos);
  EXPECT_EQ(b.rows.find("second"), std::string::npos);
  EXPECT_EQ(std::count(b.rows.begin(), b.rows.end(), '\n'), 2);
}

TEST(batch_parser, text_is_escaped_for_copy) {
  auto b = accepted(body_of({R"({"seq":1,"level":"WARNING","message":"a\tb\nc\\d\re"})"}));
  EXPECT_NE(b.rows.find("\twarn\ta\\tb\\nc\\\\d\\re\t"), std::string::npos) << b.rows;
}

TEST(batch_parser, levels_are_case_insensitive_and_warning_is_warn) {
  for (auto [in, out] : std::vector<std::pair<std::string, std::string>>{
           {"DEBUG", "debug"}, {"Info", "info"}, {"warning", "warn"}, {"Fatal", "fatal"}}) {
    auto b = accepted(body_of({R"({"seq":1,"level":")" + in + R"(","message":""})"}));
    EXPECT_NE(b.rows.find("\t" + out + "\t"), std::string::npos) << in;
  }
  expect_rejected(body_of({entry(1), R"({"seq":2,"level":"notice","message":""})"}), 400,
                  "invalid_field", 1);
}

TEST(batch_parser, ts_accepts_rfc3339_and_epoch_ms) {
  auto b = accepted(body_of({entry(1, R"(,"ts":"2024-02-29T23:59:59.123456+05:30")"),
                             entry(2, R"(,"ts":0)"), entry(3, R"(,"ts":253402300799999)")}));
  // Stored in UTC, in one form (ingest/timestamp.h).
  EXPECT_NE(b.rows.find("2024-02-29T18:29:59.123456Z"), std::string::npos) << b.rows;
  EXPECT_NE(b.rows.find("1970-01-01T00:00:00.000000Z"), std::string::npos);
  EXPECT_NE(b.rows.find("9999-12-31T23:59:59.999000Z"), std::string::npos);
  for (auto bad : {R"("2023-02-29T00:00:00Z")", R"("2024-13-01T00:00:00Z")",
                   R"("2024-01-01 00:00:00")", R"("yesterday")", R"(-62135596800001)",
                   R"(253402300800000)", R"(1.5)", R"("2024-01-01T24:00:00Z")"})
    expect_rejected(body_of({entry(1), entry(2, std::string(R"(,"ts":)") + bad)}), 400,
                    "invalid_field", 1);
}

TEST(batch_parser, attrs_must_be_a_flat_object_and_are_kept_as_json) {
  auto b = accepted(body_of({entry(1, R"(,"attrs":{"region":"eu\\1","n":3,"ok":true,"x":null})")}));
  EXPECT_NE(b.rows.find(R"({"region":"eu\\\\1","n":3,"ok":true,"x":null})"), std::string::npos)
      << b.rows;
  expect_rejected(body_of({entry(1, R"(,"attrs":{"a":{"b":1}})")}), 400, "invalid_field", 0);
  expect_rejected(body_of({entry(1, R"(,"attrs":{"a":[1]})")}), 400, "invalid_field", 0);
  expect_rejected(body_of({entry(1, R"(,"attrs":[1])")}), 400, "invalid_field", 0);
}

TEST(batch_parser, service_name_rules) {
  accepted(body_of({entry(1)}, std::string(64, 'a')));
  accepted(body_of({entry(1)}, "a.b_c-9"));
  expect_rejected(body_of({entry(1)}, std::string(65, 'a')), 400, "invalid_field", std::nullopt);
  expect_rejected(body_of({entry(1)}, ""), 400, "invalid_field", std::nullopt);
  expect_rejected(body_of({entry(1)}, "Payment"), 400, "invalid_field", std::nullopt);
  expect_rejected(body_of({entry(1)}, "pay ment"), 400, "invalid_field", std::nullopt);
  expect_rejected(R"({"service":7,"batch":[]})", 400, "invalid_field", std::nullopt);
}

TEST(batch_parser, seq_must_be_an_integer_in_range) {
  accepted(body_of({entry(1), entry(9007199254740991)}));
  expect_rejected(body_of({entry(1), entry(0)}), 400, "invalid_field", 1);
  expect_rejected(body_of({entry(-5)}), 400, "invalid_field", 0);
  expect_rejected(body_of({entry(9007199254740992)}), 400, "invalid_field", 0);
  expect_rejected(body_of({R"({"seq":18446744073709551615,"level":"info","message":""})"}), 400,
                  "invalid_field", 0);
  expect_rejected(body_of({R"({"seq":1.0,"level":"info","message":""})"}), 400, "invalid_field", 0);
  expect_rejected(body_of({R"({"seq":"1","level":"info","message":""})"}), 400, "invalid_field", 0);
}

TEST(batch_parser, required_unknown_and_repeated_fields) {
  expect_rejected(body_of({entry(1), R"({"level":"info","message":""})"}), 400, "missing_field", 1);
  expect_rejected(body_of({R"({"seq":1,"message":""})"}), 400, "missing_field", 0);
  expect_rejected(body_of({R"({"seq":1,"level":"info"})"}), 400, "missing_field", 0);
  expect_rejected(body_of({entry(1, R"(,"colour":"red")")}), 400, "unknown_field", 0);
  expect_rejected(body_of({entry(1, R"(,"seq":2)")}), 400, "duplicate_field", 0);
  expect_rejected(body_of({"7"}), 400, "invalid_field", 0);
  expect_rejected(R"({"service":"s","batch":[],"extra":1})", 400, "unknown_field", std::nullopt);
  expect_rejected(R"({"batch":[]})", 400, "missing_field", std::nullopt);
  expect_rejected(R"({"service":"s"})", 400, "missing_field", std::nullopt);
  expect_rejected(R"({"service":"s","batch":{}})", 400, "invalid_field", std::nullopt);
  expect_rejected(R"([])", 400, "invalid_field", std::nullopt);
  expect_rejected(body_of({}), 400, "empty_batch", std::nullopt);
}

TEST(batch_parser, producer_id_is_optional_and_checked) {
  std::string ok =
      R"({"service":"s","producerId":"s:1700000000000:00ff-A.b_c","batch":[)" + entry(1) + "]}";
  auto r = parse(ok);
  ASSERT_TRUE(std::holds_alternative<parsed_batch>(r));
  EXPECT_EQ(std::get<parsed_batch>(r).producer_id, "s:1700000000000:00ff-A.b_c");
  auto none = parse(body_of({entry(1)}));
  ASSERT_TRUE(std::holds_alternative<parsed_batch>(none));
  EXPECT_EQ(std::get<parsed_batch>(none).producer_id, "");
  for (const std::string& bad : std::vector<std::string>{R"("")", R"("a b")", R"("é")", "7", "null",
                                                         "\"" + std::string(65, 'x') + "\""})
    expect_rejected(R"({"service":"s","producerId":)" + bad + R"(,"batch":[)" + entry(1) + "]}",
                    400, "invalid_field", std::nullopt);
  std::string longest = R"({"service":"s","producerId":")" + std::string(64, 'x') +
                        R"(","batch":[)" + entry(1) + "]}";
  EXPECT_TRUE(std::holds_alternative<parsed_batch>(parse(longest)));
}

TEST(batch_parser, message_limit_is_64_kib) {
  limits l;
  std::string at_limit(l.max_message_bytes, 'x');
  accepted(body_of({R"({"seq":1,"level":"info","message":")" + at_limit + R"("})"}));
  expect_rejected(body_of({R"({"seq":1,"level":"info","message":")" + at_limit + R"(x"})"}), 400,
                  "invalid_field", 0);
  expect_rejected(body_of({R"({"seq":1,"level":"info","message":5})"}), 400, "invalid_field", 0);
}

TEST(batch_parser, request_id_limit_is_128_characters) {
  std::string at_limit;
  for (int i = 0; i < 128; ++i)
    at_limit += "\xc3\xa9";  // 128 characters, 256 bytes
  accepted(body_of({entry(1, R"(,"requestId":")" + at_limit + R"(")")}));
  expect_rejected(body_of({entry(1, R"(,"requestId":")" + at_limit + R"(e")")}), 400,
                  "invalid_field", 0);
  expect_rejected(body_of({entry(1, R"(,"requestId":12)")}), 400, "invalid_field", 0);
}

TEST(batch_parser, entry_count_limit_is_413) {
  limits l;
  l.max_entries = 3;
  auto b = body_of({entry(1), entry(2), entry(3)});
  EXPECT_TRUE(std::holds_alternative<parsed_batch>(parse(b, l)));
  expect_rejected(body_of({entry(1), entry(2), entry(3), entry(4)}), 413, "too_many_entries",
                  std::nullopt, l);
}

TEST(batch_parser, body_limit_is_413) {
  limits l;
  l.max_body_bytes = 200;
  std::string b = body_of({entry(1)});
  ASSERT_LT(b.size(), 200u);
  EXPECT_TRUE(std::holds_alternative<parsed_batch>(parse(b, l)));
  b = body_of({entry(1, R"(,"requestId":")" + std::string(200, 'r') + R"(")")});
  expect_rejected(b, 413, "body_too_large", std::nullopt, l);
}

TEST(batch_parser, nul_bytes_are_refused_raw_or_escaped) {
  std::string raw = body_of({entry(1)});
  raw.insert(raw.find("\"m\"") + 1, 1, '\0');
  expect_rejected(raw, 400, "nul_byte", std::nullopt);
  expect_rejected(body_of({entry(1), R"({"seq":2,"level":"info","message":"a\u0000b"})"}), 400,
                  "nul_byte", 1);
  expect_rejected(body_of({entry(1, R"(,"requestId":"\u0000")")}), 400, "nul_byte", 0);
  expect_rejected(body_of({entry(1, R"(,"attrs":{"k":"\u0000"})")}), 400, "nul_byte", 0);
}

TEST(batch_parser, invalid_utf8_is_refused) {
  std::string b =
      body_of({R"({"seq":1,"level":"info","message":"caf)" + std::string("\xc3\x28") + R"("})"});
  expect_rejected(b, 400, "invalid_utf8", std::nullopt);
  expect_rejected(body_of({R"({"seq":1,"level":"info","message":")" + std::string("\xff") + "\"}"}),
                  400, "invalid_utf8", std::nullopt);
}

TEST(batch_parser, malformed_json_is_refused) {
  for (auto b : {R"({"service":"s","batch":[)", R"({service:"s"})", R"()", R"({"a":1}})",
                 R"({"service":"s","batch":[{"seq":1,}]})"})
    expect_rejected(b, 400, "malformed_json", std::nullopt);
}

TEST(timestamp, rfc3339_forms_are_read_as_utc_microseconds) {
  EXPECT_EQ(parse_rfc3339_us("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339_us("2026-11-24T10:00:00Z"), 1'795'514'400'000'000);
  EXPECT_EQ(parse_rfc3339_us("2026-11-24t10:00:00.5z"), 1'795'514'400'500'000);
  EXPECT_EQ(parse_rfc3339_us("2026-11-24 02:00:00-08:00"), 1'795'514'400'000'000);
  // Offsets beyond Postgres' ±15:59 are converted here, so they never reach it.
  EXPECT_EQ(parse_rfc3339_us("2026-12-01T00:00:00+16:00"),
            parse_rfc3339_us("2026-11-30T08:00:00Z"));
  EXPECT_EQ(parse_rfc3339_us("2026-12-01T00:00:00-23:59"),
            parse_rfc3339_us("2026-12-01T23:59:00Z"));
  // A leap second is the next minute's first second, as Postgres reads it.
  EXPECT_EQ(parse_rfc3339_us("2016-12-31T23:59:60Z"), parse_rfc3339_us("2017-01-01T00:00:00Z"));
  // Fractions round half up to microseconds, carrying into the seconds.
  EXPECT_EQ(parse_rfc3339_us("1970-01-01T00:00:00.0000005Z"), 1);
  EXPECT_EQ(parse_rfc3339_us("1970-01-01T00:00:00.9999995Z"), 1'000'000);
  EXPECT_EQ(parse_rfc3339_us("1970-01-01T00:00:00.123456789Z"), 123'457);
}

TEST(timestamp, edges_of_the_range_are_exact) {
  EXPECT_EQ(parse_rfc3339_us("0001-01-01T00:00:00Z"), min_epoch_us);
  EXPECT_EQ(parse_rfc3339_us("9999-12-31T23:59:59.999999Z"), max_epoch_us);
  EXPECT_EQ(parse_rfc3339_us("0001-01-01T00:00:00-00:01"), min_epoch_us + 60'000'000);
  // One step beyond either end, once converted to UTC.
  EXPECT_EQ(parse_rfc3339_us("0001-01-01T00:00:00+00:01"), std::nullopt);
  EXPECT_EQ(parse_rfc3339_us("9999-12-31T23:59:59.9999995Z"), std::nullopt);
  EXPECT_EQ(parse_rfc3339_us("9999-12-31T23:59:60Z"), std::nullopt);
  EXPECT_EQ(parse_rfc3339_us("9999-12-31T23:00:00-01:00"), std::nullopt);
}

TEST(timestamp, malformed_date_times_are_refused) {
  for (auto s :
       {"2026-11-24T10:00:00", "2026-11-24T10:00:00+0800", "0000-01-01T00:00:00Z",
        "2026-11-24T10:00:00.Z", "2026-11-24T10:00:00Zjunk", "2026-02-29T00:00:00Z",
        "2026-11-24T24:00:00Z", "2026-11-24T10:60:00Z", "2026-11-24T10:00:61Z",
        "2026-11-24T10:00:00+24:00", "2026-11-24T10:00:00+10:60", "2026-11-24T10:00:00.1234567890Z",
        "2026-13-01T00:00:00Z", "2026-11-24X10:00:00Z", "+2026-11-24T10:00:00Z", ""})
    EXPECT_EQ(parse_rfc3339_us(s), std::nullopt) << s;
  EXPECT_NE(parse_rfc3339_us("2024-02-29T00:00:00Z"), std::nullopt);
}

TEST(timestamp, the_stored_form_reads_back_to_the_same_instant) {
  for (std::int64_t us : {min_epoch_us, std::int64_t{-1}, std::int64_t{0}, std::int64_t{1},
                          std::int64_t{1'795'514'400'123'456}, max_epoch_us}) {
    auto text = format_epoch_us(us);
    EXPECT_EQ(text.size(), 27u) << text;
    EXPECT_EQ(parse_rfc3339_us(text), us) << text;
  }
  EXPECT_EQ(format_epoch_us(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(format_epoch_us(-1), "1969-12-31T23:59:59.999999Z");
}

TEST(batch_parser, ts_is_stored_in_utc_and_refused_outside_the_range) {
  auto b = accepted(
      body_of({entry(1, R"(,"ts":"2026-12-01T00:00:00+16:00")"), entry(2, R"(,"ts":-1)")}));
  EXPECT_NE(b.rows.find("\t2026-11-30T08:00:00.000000Z\t"), std::string::npos) << b.rows;
  EXPECT_NE(b.rows.find("\t1969-12-31T23:59:59.999000Z\t"), std::string::npos) << b.rows;
  expect_rejected(body_of({entry(1), entry(2, R"(,"ts":"9999-12-31T23:59:59-00:01")")}), 400,
                  "invalid_field", 1);
  expect_rejected(body_of({entry(1, R"(,"ts":253402300800000)")}), 400, "invalid_field", 0);
  expect_rejected(body_of({entry(1, R"(,"ts":-62135596800001)")}), 400, "invalid_field", 0);
}

TEST(batch_parser, numbers_beyond_64_bits_or_a_double_are_refused_clearly) {
  expect_rejected(body_of({entry(1, R"(,"attrs":{"n":1e400})")}), 400, "invalid_number",
                  std::nullopt);
  expect_rejected(body_of({entry(1, R"(,"attrs":{"n":123456789012345678901234567890})")}), 400,
                  "invalid_number", std::nullopt);
}

}  // namespace
}  // namespace tracehub::ingest
