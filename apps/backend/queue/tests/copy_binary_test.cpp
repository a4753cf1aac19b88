// queue/copy_binary.h: the queue's text rows as binary COPY tuples. The round trip goes through
// a real Postgres (TRACEHUB_TEST_PG_URL, scripts/test-env.sh): the same rows COPYd as text and as
// binary into two tables with the columns of `logs` read back identical. Malformed rows are
// refused without touching the output.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "backend/queue/copy_binary.h"
#include "backend/queue/copy_row.h"
#include "backend/testing/pg_database.h"

namespace tracehub::queue {
namespace {

constexpr std::int64_t at_ms = 1'764'000'000'123;

// Rows exercising every column form the queue carries.
std::string sample_rows() {
  std::string rows;
  const std::string long_message(64 * 1024, 'm');  // ingest's max_message_bytes
  const std::string long_request_id(128, 'r');     // ingest's max_request_id_chars
  append_row(rows, {.service = "svc",
                    .seq = 1,
                    .level = "info",
                    .message = "plain",
                    .request_id = std::nullopt,
                    .ts = "2026-11-24T10:00:00.000000Z",
                    .attrs = ""});
  append_row(rows, {.service = "s\\v\tc\nx",
                    .seq = 2,
                    .level = "error",
                    .message = "tab\there\nnew \\ back \\N \\. \r cr \"q\"",
                    .request_id = "r\t1\\",
                    .ts = "0001-01-01T00:00:00.000000Z",
                    .attrs = R"({"k":"a\tb\\c","n":[1,2.5,null,true],"u":"\u00e9"})"});
  append_row(rows, {.service = "ünïcødé-服务-🚀",
                    .seq = (std::int64_t{1} << 53) - 1,
                    .level = "fatal",
                    .message = "é 中文 🎉 \xf4\x8f\xbf\xbf",
                    .request_id = "",
                    .ts = "9999-12-31T23:59:59.999999Z",
                    .attrs = R"({"emoji":"🚀","nested":{"a":{"b":[]}}})"});
  append_row(rows, {.service = "svc",
                    .seq = 4,
                    .level = "warn",
                    .message = long_message,
                    .request_id = long_request_id,
                    .ts = "2024-02-29T23:59:59Z",
                    .attrs = "{}"});
  append_row(rows, {.service = "svc",
                    .seq = -5,
                    .level = "debug",
                    .message = "",
                    .request_id = "\\N",  // the text \N, escaped: not NULL
                    .ts = "1970-01-01T00:00:00.5Z",
                    .attrs = "null"});
  return rows;
}

TEST(copy_binary, header_and_trailer_are_postgres_signature) {
  std::string out;
  append_binary_header(out);
  ASSERT_EQ(out.size(), 19u);
  EXPECT_EQ(out.substr(0, 11), std::string("PGCOPY\n\xff\r\n\0", 11));
  EXPECT_EQ(out.substr(11), std::string(8, '\0'));
  out.clear();
  append_binary_trailer(out);
  EXPECT_EQ(out, "\xff\xff");
}

TEST(copy_binary, ts_is_microseconds_since_2000) {
  EXPECT_EQ(ts_binary("2000-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ts_binary("2000-01-01T00:00:00.000001Z"), 1);
  EXPECT_EQ(ts_binary("2000-01-01T00:00:01.5Z"), 1'500'000);
  EXPECT_EQ(ts_binary("1999-12-31T23:59:59.999999Z"), -1);
  EXPECT_EQ(ts_binary("1970-01-01T00:00:00.000000Z"), -946'684'800'000'000);
  EXPECT_FALSE(ts_binary("2023-02-29T00:00:00Z"));  // not a leap year
  EXPECT_FALSE(ts_binary("2026-11-24T24:00:00Z"));
  EXPECT_FALSE(ts_binary("2026-11-24T10:00:60Z"));
  EXPECT_FALSE(ts_binary("2026-11-24 10:00:00Z"));
  EXPECT_FALSE(ts_binary("2026-11-24T10:00:00+00"));
  EXPECT_FALSE(ts_binary("2026-11-24T10:00:00.Z"));
  EXPECT_FALSE(ts_binary("2026-11-24T10:00:00.1234567Z"));
  EXPECT_FALSE(ts_binary("0000-01-01T00:00:00Z"));
  EXPECT_FALSE(ts_binary(""));
}

TEST(copy_binary, malformed_rows_are_refused_and_leave_the_output_alone) {
  const char* bad[] = {
      "svc\t1\tinfo\tm\t\\N\t2026-11-24T10:00:00Z",                          // six columns
      "svc\t1\tinfo\tm\t\\N\t2026-11-24T10:00:00Z\t\\N\textra",              // eight
      "svc\tx1\tinfo\tm\t\\N\t2026-11-24T10:00:00Z\t\\N",                    // seq
      "svc\t\tinfo\tm\t\\N\t2026-11-24T10:00:00Z\t\\N",                      // empty seq
      "svc\t99999999999999999999\tinfo\tm\t\\N\t2026-11-24T10:00:00Z\t\\N",  // seq overflow
      "svc\t1\tinfo\tm\\x\t\\N\t2026-11-24T10:00:00Z\t\\N",                  // unknown escape
      "svc\t1\tinfo\tm\\\t\\N\t2026-11-24T10:00:00Z\t\\N",                   // lone backslash
      "svc\t1\tinfo\tm\rx\t\\N\t2026-11-24T10:00:00Z\t\\N",                  // raw CR
      "svc\t1\tinfo\tm\nx\t\\N\t2026-11-24T10:00:00Z\t\\N",                  // raw newline
      "svc\t1\tinfo\tm\t\\N\tyesterday\t\\N",                                // ts
      "",
  };
  for (const char* row : bad) {
    std::string out = "keep";
    EXPECT_NE(append_binary_row(out, row, at_ms), nullptr) << row;
    EXPECT_EQ(out, "keep") << row;
  }
  std::string out;
  EXPECT_NE(append_binary_row(out, "svc\t1\tinfo\tm\t\\N\t2026-11-24T10:00:00Z\t\\N",
                              -62'135'596'800'001),
            nullptr);  // ingested_at before year 1
}

TEST(copy_binary, tuple_layout) {
  std::string out;
  ASSERT_EQ(append_binary_row(out, "a\t258\tb\t\\N\t\\N\t2000-01-01T00:00:00Z\t{}\n", std::nullopt),
            nullptr);
  const std::string want = std::string("\0\x07", 2) +
                           std::string(
                               "\0\0\0\x01"
                               "a",
                               5) +
                           std::string("\0\0\0\x08\0\0\0\0\0\0\x01\x02", 12) +
                           std::string(
                               "\0\0\0\x01"
                               "b",
                               5) +
                           std::string("\xff\xff\xff\xff", 4) + std::string("\xff\xff\xff\xff", 4) +
                           std::string("\0\0\0\x08\0\0\0\0\0\0\0\0", 12) +
                           std::string("\0\0\0\x03\x01{}", 7);
  EXPECT_EQ(out, want);
}

// The same rows, COPYd as text (the worker's former statement) and as binary, read back equal.
TEST(copy_binary, binary_copy_reads_back_as_text_copy_in_postgres) {
  auto db = testing::pg_database::create();
  auto c = db.connect();
  const std::string columns =
      "(service text, seq bigint, level text, message text, request_id text, ts timestamptz, "
      "attrs jsonb, ingested_at timestamptz)";
  ASSERT_TRUE(c.exec("CREATE TABLE by_text " + columns)) << c.last_error();
  ASSERT_TRUE(c.exec("CREATE TABLE by_binary " + columns)) << c.last_error();

  const std::string rows = sample_rows();
  std::string text;
  append_stored_rows(text, rows, ingested_at_text(at_ms));
  ASSERT_TRUE(c.copy_in("COPY by_text (" + std::string(stored_columns) + ") FROM STDIN", text))
      << c.last_error();
  std::string binary;
  append_binary_header(binary);
  ASSERT_EQ(append_binary_rows(binary, rows, at_ms), nullptr);
  append_binary_trailer(binary);
  ASSERT_TRUE(c.copy_in(
      "COPY by_binary (" + std::string(stored_columns) + ") FROM STDIN (FORMAT binary)", binary))
      << c.last_error();

  auto count = [&](std::string_view sql) {
    auto r = c.query(sql);
    EXPECT_TRUE(r) << c.last_error();
    return r ? r->get_int(0, 0) : -1;
  };
  EXPECT_EQ(count("SELECT count(*) FROM by_binary"), 5);
  EXPECT_EQ(count("SELECT count(*) FROM by_text"), 5);
  // Every column, NULLs included (IS NOT DISTINCT FROM, row by row on seq).
  EXPECT_EQ(count("SELECT count(*) FROM by_text t JOIN by_binary b ON t.seq = b.seq "
                  "WHERE (t.*) IS NOT DISTINCT FROM (b.*)"),
            5);
  EXPECT_EQ(count("SELECT count(*) FROM by_binary WHERE request_id IS NULL"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM by_binary WHERE attrs IS NULL"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM by_binary WHERE request_id = '\\N'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM by_binary WHERE ts = '9999-12-31 23:59:59.999999+00' "
                  "AND service = 'ünïcødé-服务-🚀'"),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM by_binary WHERE ingested_at = "
                  "to_timestamp(1764000000.123)"),
            5);
  EXPECT_EQ(count("SELECT length(message) FROM by_binary WHERE seq = 4"), 64 * 1024);

  // A value Postgres refuses in text is refused in binary too (the converter leaves the
  // checking to Postgres): invalid JSON.
  std::string bad;
  append_binary_header(bad);
  ASSERT_EQ(append_binary_rows(bad, "svc\t9\tinfo\tm\t\\N\t2026-11-24T10:00:00Z\t{nope\n", at_ms),
            nullptr);
  append_binary_trailer(bad);
  EXPECT_FALSE(c.copy_in(
      "COPY by_binary (" + std::string(stored_columns) + ") FROM STDIN (FORMAT binary)", bad));
}

}  // namespace
}  // namespace tracehub::queue
