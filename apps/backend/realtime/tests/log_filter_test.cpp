// The subscribe filter and the per-client rate limit of log:new.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "backend/realtime/log_filter.h"

namespace tracehub::realtime {
namespace {

log_filter parse_ok(std::string_view json) {
  std::string error;
  auto f = log_filter::parse(boost::json::parse(json), error);
  EXPECT_TRUE(f) << error;
  return f ? *f : log_filter{};
}

TEST(log_filter, empty_or_null_matches_everything) {
  EXPECT_TRUE(parse_ok("null").matches({"a", "info", "x"}));
  EXPECT_TRUE(parse_ok("{}").matches({"a", "info", "x"}));
  EXPECT_TRUE(parse_ok("{\"service\":null,\"q\":\"\"}").matches({"a", "info", "x"}));
}

TEST(log_filter, service_is_exact) {
  auto f = parse_ok("{\"service\":\"a\"}");
  EXPECT_TRUE(f.matches({"a", "info", "x"}));
  EXPECT_FALSE(f.matches({"b", "info", "x"}));
  EXPECT_FALSE(f.matches({"ab", "info", "x"}));
}

TEST(log_filter, level_is_one_value_or_a_list) {
  auto one = parse_ok("{\"level\":\"ERROR\"}");
  EXPECT_TRUE(one.matches({"a", "error", "x"}));
  EXPECT_FALSE(one.matches({"a", "warn", "x"}));
  auto list = parse_ok("{\"level\":[\"warn\",\"error\"]}");
  EXPECT_TRUE(list.matches({"a", "warn", "x"}));
  EXPECT_TRUE(list.matches({"a", "error", "x"}));
  EXPECT_FALSE(list.matches({"a", "info", "x"}));
}

TEST(log_filter, q_is_a_case_insensitive_substring_of_the_message) {
  auto f = parse_ok("{\"q\":\"TimeOut\"}");
  EXPECT_TRUE(f.matches({"a", "info", "gateway.timeout"}));
  EXPECT_TRUE(f.matches({"a", "info", "TIMEOUT!"}));
  EXPECT_FALSE(f.matches({"a", "info", "time out"}));
}

TEST(log_filter, wrong_types_are_refused_with_a_reason) {
  std::string error;
  EXPECT_FALSE(log_filter::parse(boost::json::parse("{\"service\":1}"), error));
  EXPECT_NE(error.find("service"), std::string::npos);
  EXPECT_FALSE(log_filter::parse(boost::json::parse("{\"level\":[1]}"), error));
  EXPECT_FALSE(log_filter::parse(boost::json::parse("[1]"), error));
}

TEST(token_bucket, allows_the_burst_then_the_rate) {
  token_bucket b(50, 50);
  auto t = steady::now();
  int taken = 0;
  for (int i = 0; i < 100; ++i)
    taken += b.take(t);
  EXPECT_EQ(taken, 50);
  EXPECT_FALSE(b.take(t));
  EXPECT_TRUE(b.take(t + std::chrono::milliseconds(21)));  // one token per 20 ms
  EXPECT_FALSE(b.take(t + std::chrono::milliseconds(22)));
  taken = 0;
  for (int i = 0; i < 100; ++i)
    taken += b.take(t + std::chrono::seconds(10));
  EXPECT_EQ(taken, 50);  // never more than the burst saved up
}

}  // namespace
}  // namespace tracehub::realtime
