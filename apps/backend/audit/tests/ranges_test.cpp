#include "backend/audit/ranges.h"

#include <gtest/gtest.h>

namespace tracehub::audit {
namespace {

TEST(audit_ranges, normalize_merges_overlapping_and_adjacent) {
  EXPECT_EQ(normalize({{5, 9}, {1, 2}, {3, 4}, {8, 12}, {20, 20}}), (ranges{{1, 12}, {20, 20}}));
  EXPECT_EQ(normalize({}), ranges{});
}

TEST(audit_ranges, subtract_cuts_every_overlap) {
  EXPECT_EQ(subtract({{1, 100}}, {{10, 19}, {50, 50}, {90, 200}}),
            (ranges{{1, 9}, {20, 49}, {51, 89}}));
  EXPECT_EQ(subtract({{1, 10}}, {{1, 10}}), ranges{});
  EXPECT_EQ(subtract({{1, 10}, {20, 30}}, {}), (ranges{{1, 10}, {20, 30}}));
  EXPECT_EQ(subtract({{5, 6}}, {{1, 2}, {8, 9}}), (ranges{{5, 6}}));
  EXPECT_EQ(subtract({{1, 10}, {12, 20}}, {{5, 15}}), (ranges{{1, 4}, {16, 20}}));
}

TEST(audit_ranges, intersect_split_count) {
  EXPECT_EQ(intersect({{1, 10}, {20, 30}}, {{5, 25}}), (ranges{{5, 10}, {20, 25}}));
  EXPECT_EQ(split({{1, 10}}, 4), (ranges{{1, 4}, {5, 8}, {9, 10}}));
  EXPECT_EQ(count({{1, 10}, {20, 20}}), 11);
}

}  // namespace
}  // namespace tracehub::audit
