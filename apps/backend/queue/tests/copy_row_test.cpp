// COPY text rows rendered and read back: their seq, and log:new payloads; the field table
// queue scripts get.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include <boost/json/parse.hpp>

#include "backend/queue/copy_row.h"
#include "backend/queue/entry.h"
#include "backend/queue/keys.h"

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

TEST(copy_row, rendered_row_reads_back_as_the_same_log) {
  std::string rows;
  append_row(rows, {.service = "svc",
                    .seq = 12,
                    .level = "warn",
                    .message = "tab\there\nnew \\ \"q\"",
                    .request_id = "r-1",
                    .ts = "2026-11-24T10:00:00Z",
                    .attrs = R"({"k":"a\tb"})"});
  append_row(rows, {.service = "svc",
                    .seq = 13,
                    .level = "info",
                    .message = "m",
                    .request_id = std::nullopt,
                    .ts = "t",
                    .attrs = ""});
  EXPECT_EQ(std::count(rows.begin(), rows.end(), '\n'), 2);
  std::vector<log_entry> out;
  ASSERT_EQ(append_log_entries(rows, 10, out), 2u);
  EXPECT_EQ(out[0].service, "svc");
  EXPECT_EQ(out[0].level, "warn");
  auto first = boost::json::parse(log_entry_json(out[0])).as_object();
  EXPECT_EQ(first.at("seq").as_int64(), 12);
  EXPECT_EQ(first.at("message").as_string(), "tab\there\nnew \\ \"q\"");
  EXPECT_EQ(first.at("requestId").as_string(), "r-1");
  EXPECT_EQ(first.at("attrs").at("k").as_string(), "a\tb");
  auto second = boost::json::parse(log_entry_json(out[1])).as_object();
  EXPECT_TRUE(second.at("requestId").is_null());
  EXPECT_TRUE(second.at("attrs").is_null());
  EXPECT_EQ(row_seq(rows), 12);
}

TEST(queue_entry, scripts_get_the_field_table_after_their_shebang) {
  auto s = with_entry_fields("#!lua\nreturn entry_field.service\n");
  EXPECT_TRUE(s.starts_with("#!lua\nlocal entry_field = {"));
  EXPECT_NE(s.find("service = 'svc'"), std::string::npos);
  EXPECT_NE(s.find("attempts = 'attempts'"), std::string::npos);
  EXPECT_TRUE(s.ends_with("}\nreturn entry_field.service\n"));
  EXPECT_TRUE(with_entry_fields("return 1").starts_with("local entry_field = {"));
}

TEST(queue_entry, dead_letter_entry_carries_every_field_once) {
  auto f = dead_letter_entry_fields("svc", "rows\n", 42);
  ASSERT_EQ(f.size() % 2, 0u);
  std::set<std::string> names;
  for (std::size_t i = 0; i < f.size(); i += 2)
    EXPECT_TRUE(names.insert(f[i]).second) << f[i];
  EXPECT_EQ(f[1], "svc");
  EXPECT_EQ(f[3], "rows\n");
  EXPECT_EQ(f.back(), keys::origin_dead_letter);
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
  EXPECT_FALSE(read_row("svc\tx1\tinfo\tm\t\\N\tt\t\\N"));
}

TEST(copy_row, rows_are_capped_at_the_limit) {
  std::string rows;
  for (int i = 1; i <= 5; ++i)
    rows += "s\t" + std::to_string(i) + "\tinfo\tm\t\\N\t2026-11-24T10:00:00Z\t\\N\n";
  std::vector<log_entry> out;
  EXPECT_EQ(append_log_entries(rows, 3, out), 3u);
  EXPECT_EQ(append_log_entries(rows, 3, out), 0u);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[2].seq, 3);
}

TEST(copy_row, stored_rows_carry_the_entry_time_as_last_column) {
  EXPECT_EQ(ingested_at_text(0), "1970-01-01 00:00:00.000+00");
  EXPECT_EQ(ingested_at_text(1'764'000'000'123), "2025-11-24 16:00:00.123+00");
  std::string out;
  append_stored_rows(out, "a\t1\tinfo\tx\t\\N\tt\t\\N\nb\t2\tinfo\ty\\tz\t\\N\tt\t{}\n", "T");
  EXPECT_EQ(out, "a\t1\tinfo\tx\t\\N\tt\t\\N\tT\nb\t2\tinfo\ty\\tz\t\\N\tt\t{}\tT\n");
  out.clear();
  append_stored_rows(out, "", "T");
  EXPECT_EQ(out, "");
}

}  // namespace
}  // namespace tracehub::queue
