// What an ACK lets the producer forget: every seq <= ackTill except the missing ones, and when
// the missing list is truncated, nothing above its last listed seq.
#include <gtest/gtest.h>

#include "producer-simulator/producer/ack.h"

namespace tracehub::producer {
namespace {

ack_summary parsed(std::string_view body) {
  auto a = parse_ack(body);
  EXPECT_TRUE(a) << body;
  return a ? *a : ack_summary{};
}

TEST(ack, parses_the_spec_example) {
  auto a = parsed(R"({"batchId":"ack_1705312200123_7","ackTill":1099,"missing":[1088,1092],)"
                  R"("status":"partial","replay":{"queued":2},"accepted":2,"duplicates":0,)"
                  R"("contiguousTill":1087,"missingTotal":2})");
  EXPECT_EQ(a.ack_till, 1099);
  EXPECT_EQ(a.missing, (std::vector<std::int64_t>{1088, 1092}));
  EXPECT_EQ(a.missing_total, 2);
}

TEST(ack, bodies_that_are_not_acks_are_refused) {
  for (std::string_view body :
       {"", "[]", "{}", R"({"ackTill":"12"})", R"({"ackTill":10,"missing":[3,2]})",
        R"({"ackTill":10,"missing":[11]})", R"({"ackTill":10,"missing":[0]})",
        R"({"ackTill":10,"missing":[2,3],"missingTotal":1})", "<html>bad gateway</html>"})
    EXPECT_FALSE(parse_ack(body)) << body;
}

TEST(ack, nothing_missing_trims_everything_up_to_ack_till) {
  EXPECT_EQ(trimmable({1099, {}, 0}), (std::vector<seq_range>{{1, 1099}}));
  EXPECT_TRUE(trimmable({0, {}, 0}).empty());
}

TEST(ack, missing_seqs_split_the_trim_into_segments) {
  EXPECT_EQ(trimmable({1099, {1088, 1092}, 2}),
            (std::vector<seq_range>{{1, 1087}, {1089, 1091}, {1093, 1099}}));
  // Adjacent missing seqs and missing seqs at both ends leave no empty segments.
  EXPECT_EQ(trimmable({10, {1, 2, 3, 7, 10}, 5}), (std::vector<seq_range>{{4, 6}, {8, 9}}));
}

TEST(ack, truncated_missing_list_keeps_everything_above_its_last_seq) {
  // missingTotal says 5 are missing, only 2 are listed: seqs after 6 may be missing too.
  EXPECT_EQ(trimmable({100, {3, 6}, 5}), (std::vector<seq_range>{{1, 2}, {4, 5}}));
  EXPECT_TRUE(trimmable({100, {}, 5}).empty());
}

}  // namespace
}  // namespace tracehub::producer
