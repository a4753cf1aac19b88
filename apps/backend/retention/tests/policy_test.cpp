// The retention period as the flag reads it, and the partition width and lead it implies.
#include <gtest/gtest.h>

#include "backend/retention/policy.h"

namespace tracehub::retention {
namespace {

using std::chrono::seconds;

TEST(retention_policy, periods_read_in_every_unit) {
  EXPECT_EQ(parse_period("7d"), seconds(7 * 86'400));
  EXPECT_EQ(parse_period("12h"), seconds(12 * 3'600));
  EXPECT_EQ(parse_period("30m"), seconds(1'800));
  EXPECT_EQ(parse_period("5s"), seconds(5));
  EXPECT_EQ(parse_period("90"), seconds(90));
  EXPECT_EQ(parse_period("0"), seconds(0));
  EXPECT_EQ(parse_period("off"), seconds(0));
}

TEST(retention_policy, malformed_periods_are_refused) {
  for (auto bad : {"", "d", "7w", "-1d", "1.5h", "7 d", "7dd", "99999999999999999999", "40000d"})
    EXPECT_FALSE(parse_period(bad)) << bad;
}

TEST(retention_policy, periods_print_in_the_largest_unit_that_divides_them) {
  EXPECT_EQ(format_period(seconds(0)), "off");
  EXPECT_EQ(format_period(seconds(7 * 86'400)), "7d");
  EXPECT_EQ(format_period(seconds(90)), "90s");
  EXPECT_EQ(format_period(seconds(5'400)), "90m");
  for (auto text : {"7d", "36h", "5s", "10m"})
    EXPECT_EQ(format_period(*parse_period(text)), text);
}

TEST(retention_policy, a_chunk_is_at_most_a_quarter_of_the_period) {
  EXPECT_EQ(make_policy(seconds(7 * 86'400)).chunk, seconds(86'400));
  EXPECT_EQ(make_policy(seconds(86'400)).chunk, seconds(3'600));
  EXPECT_EQ(make_policy(seconds(3'600)).chunk, seconds(600));
  EXPECT_EQ(make_policy(seconds(60)).chunk, seconds(10));
  EXPECT_EQ(make_policy(seconds(5)).chunk, seconds(1));
  EXPECT_EQ(make_policy(seconds(1)).chunk, seconds(1));  // no finer partitions than 1 s
}

TEST(retention_policy, keeping_everything_uses_day_partitions) {
  auto p = make_policy(seconds(0));
  EXPECT_TRUE(p.keeps_everything());
  EXPECT_EQ(p.chunk, seconds(86'400));
  EXPECT_EQ(p.ahead, seconds(2 * 86'400));
}

TEST(retention_policy, partitions_are_made_at_least_30_s_ahead) {
  EXPECT_EQ(make_policy(seconds(5)).ahead, seconds(30));
  EXPECT_EQ(make_policy(seconds(7 * 86'400)).ahead, seconds(2 * 86'400));
}

}  // namespace
}  // namespace tracehub::retention
