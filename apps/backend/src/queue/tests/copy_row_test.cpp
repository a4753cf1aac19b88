// COPY text rows read back: their seq, and log:new payloads.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "queue/copy_row.h"

namespace tracehub::queue {
namespace {

TEST(copy_row, row_becomes_log_entry_json_with_nulls) {
  auto json = log_entry_json("svc\t7\tinfo\thello\t\\N\t2026-11-24T10:00:00Z\t\\N");
  ASSERT_TRUE(json);
  auto v = boost::json::parse(*json).as_object();
  EXPECT_EQ(v.at("service").as_string(), "svc");
  EXPECT_EQ(v.at("seq").as_int64(), 7);
  EXPECT_EQ(v.at("level").as_string(), "info");
  EXPECT_EQ(v.at("message").as_string(), "hello");
  EXPECT_TRUE(v.at("requestId").is_null());
  EXPECT_EQ(v.at("ts").as_string(), "2026-11-24T10:00:00Z");
  EXPECT_TRUE(v.at("attrs").is_null());
}

TEST(copy_row, copy_escapes_are_undone_and_json_escapes_applied) {
  auto json = log_entry_json(
      "svc\t8\terror\ta\\tb\\nc\\\\d "
      "\"q\"\\r\x01\tr-1\t2026-11-24T10:00:00.000Z\t{\"k\":\"v\\\\tw\"}");
  ASSERT_TRUE(json);
  auto v = boost::json::parse(*json).as_object();
  EXPECT_EQ(v.at("message").as_string(), "a\tb\nc\\d \"q\"\r\x01");
  EXPECT_EQ(v.at("requestId").as_string(), "r-1");
  EXPECT_EQ(v.at("attrs").as_object().at("k").as_string(), "v\tw");
}

TEST(copy_row, seq_is_the_second_column) {
  EXPECT_EQ(row_seq("svc\t9007199254740991\tinfo\tm\t\\N\tts\t\\N\n"), 9007199254740991);
  EXPECT_EQ(row_seq("no tabs"), 0);
  std::vector<std::string> rows;
  for_each_row("a\t1\nb\t2\nc\t3", [&](std::string_view r) { rows.emplace_back(r); });
  EXPECT_EQ(rows, (std::vector<std::string>{"a\t1\n", "b\t2\n", "c\t3"}));
}

TEST(copy_row, short_row_is_refused) {
  EXPECT_FALSE(log_entry_json("svc\t1\tinfo"));
}

TEST(copy_row, rows_are_capped_at_the_limit) {
  std::string rows;
  for (int i = 1; i <= 5; ++i)
    rows += "s\t" + std::to_string(i) + "\tinfo\tm\t\\N\t2026-11-24T10:00:00Z\t\\N\n";
  std::vector<std::string> out;
  EXPECT_EQ(append_log_entries(rows, 3, out), 3u);
  EXPECT_EQ(append_log_entries(rows, 3, out), 0u);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(boost::json::parse(out[2]).at("seq").as_int64(), 3);
}

}  // namespace
}  // namespace tracehub::queue
