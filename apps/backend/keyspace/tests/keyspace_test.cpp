// The keyspace's names and codecs: the key form, the range member codec and its refusals, and
// where the Lua prelude goes.
#include <gtest/gtest.h>

#include "backend/keyspace/keys.h"
#include "backend/keyspace/lua.h"
#include "backend/keyspace/range.h"

namespace tracehub::keyspace {
namespace {

TEST(keyspace, per_service_keys_carry_the_service_as_a_hash_tag) {
  EXPECT_EQ(ack("payment-service"), "ack:{payment-service}");
  EXPECT_EQ(gaps("a"), "gaps:{a}");
  EXPECT_EQ(lost("a"), "lost:{a}");
  EXPECT_EQ(buffer("a"), "buffer:{a}");
  EXPECT_EQ(seq("a"), "seq:{a}");
  EXPECT_EQ(producer("a"), "producer:{a}");
  EXPECT_EQ(producer_id("a"), "producer-id:{a}");
  EXPECT_EQ(pattern(prefix::ack), "ack:{*}");
  EXPECT_EQ(prefix::all.size(), 7u);
}

TEST(keyspace, a_range_member_round_trips) {
  const std::int64_t max_seq = (std::int64_t{1} << 53) - 1;
  for (auto [lo, hi] : {std::pair<std::int64_t, std::int64_t>{1, 1},
                        {3, 9},
                        {0, 0},
                        {1, max_seq},
                        {max_seq, max_seq}}) {
    auto m = format_range(lo, hi);
    std::int64_t a = -1, b = -1;
    ASSERT_TRUE(parse_range(m, a, b)) << m;
    EXPECT_EQ(a, lo);
    EXPECT_EQ(b, hi);
  }
  EXPECT_EQ(format_range(1088, 1092), "1088:1092");
}

TEST(keyspace, a_malformed_range_member_is_refused) {
  for (std::string_view m : {"", ":", "1:", ":1", "1", "1-2", "1:2:3", "-1:2", "1:-2", "+1:2",
                             " 1:2", "1:2 ", "a:b", "5:3", "1:99999999999999999999"}) {
    std::int64_t a = 0, b = 0;
    EXPECT_FALSE(parse_range(m, a, b)) << "'" << m << "'";
  }
}

TEST(keyspace, the_prelude_goes_after_a_shebang_line_and_before_anything_else) {
  const auto& p = lua_prelude();
  EXPECT_EQ(with_lua_prelude("return 1"), p + "return 1");
  EXPECT_EQ(with_lua_prelude("#!lua\nreturn 1"), "#!lua\n" + p + "return 1");
  EXPECT_EQ(with_lua_prelude("#!lua"), "#!lua\n" + p);
  // Every ack:{svc} field, spelled once, in keys.h.
  for (auto f : {ack_field::till, ack_field::missing, ack_field::version, ack_field::acked_at_ms,
                 ack_field::owner, ack_field::owner_from, ack_field::reused})
    EXPECT_NE(p.find("'" + std::string(f) + "'"), std::string::npos) << f;
}

}  // namespace
}  // namespace tracehub::keyspace
