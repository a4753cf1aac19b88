// The Lua prelude, run by a real Redis, agrees with the C++ definitions: the range member codec
// both ways (and the same refusals), the buffer member form, and the ack:{svc} field names.
#include <gtest/gtest.h>

#include "backend/keyspace/keys.h"
#include "backend/keyspace/lua.h"
#include "backend/keyspace/range.h"
#include "backend/redis/script.h"
#include "backend/testing/redis_db.h"

namespace tracehub::keyspace {
namespace {

redis::reply run(redis::sync_connection& c, const std::string& body,
                 const std::vector<std::string>& args) {
  redis::script s{with_lua_prelude(body)};
  auto r = redis::eval(c, s, {}, args);
  EXPECT_TRUE(r);
  if (!r) throw std::runtime_error("eval failed");
  EXPECT_FALSE(r->view().is_error()) << r->view().str();
  return std::move(*r);
}

class keyspace_lua : public ::testing::Test {
 protected:
  testing::redis_db db_;
  redis::sync_connection c_ = db_.connect();
};

TEST_F(keyspace_lua, lua_and_cpp_write_and_read_the_same_range_members) {
  const std::int64_t max_seq = (std::int64_t{1} << 53) - 1;
  for (auto [lo, hi] : {std::pair<std::int64_t, std::int64_t>{1, 1},
                        {3, 9},
                        {1087, 1099},
                        {1, max_seq},
                        {max_seq, max_seq}}) {
    auto cpp = format_range(lo, hi);
    // Lua writes a member from numbers, and parses the C++ one.
    auto r = run(c_,
                 "local lo, hi = parse_range(ARGV[3])\n"
                 "return {range_member(tonumber(ARGV[1]), tonumber(ARGV[2])), fmt(lo), fmt(hi)}",
                 {std::to_string(lo), std::to_string(hi), cpp});
    auto v = r.view();
    ASSERT_TRUE(v.is_array());
    ASSERT_EQ(v.size(), 3u);
    EXPECT_EQ(v[0].str(), cpp);
    std::int64_t a = 0, b = 0;
    ASSERT_TRUE(parse_range(v[0].str(), a, b));
    EXPECT_EQ(a, lo);
    EXPECT_EQ(b, hi);
    EXPECT_EQ(v[1].str(), std::to_string(lo));
    EXPECT_EQ(v[2].str(), std::to_string(hi));
  }
}

TEST_F(keyspace_lua, lua_refuses_the_members_cpp_refuses) {
  for (std::string m : {"", ":", "1:", ":1", "1", "1-2", "1:2:3", "-1:2", "1:-2", "+1:2", " 1:2",
                        "1:2 ", "a:b", "5:3"}) {
    std::int64_t a = 0, b = 0;
    ASSERT_FALSE(parse_range(m, a, b)) << m;
    auto r = run(c_, "local lo = parse_range(ARGV[1])\nreturn lo == nil and 1 or 0", {m});
    EXPECT_EQ(r.view().integer(), 1) << "'" << m << "'";
  }
}

TEST_F(keyspace_lua, a_buffer_member_is_the_entry_json_with_its_seq_first) {
  auto r = run(c_,
               "local m = buffer_member(tonumber(ARGV[1]), ARGV[2])\n"
               "return {m, buffer_tail(m), buffer_tail('{\"level\":\"info\"}') == nil and 1 or 0}",
               {"42", R"("level":"info","message":"hi"})"});
  auto v = r.view();
  ASSERT_TRUE(v.is_array());
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].str(), R"({"seq":42,"level":"info","message":"hi"})");
  EXPECT_EQ(v[1].str(), R"("level":"info","message":"hi"})");
  EXPECT_EQ(v[2].integer(), 1);
}

TEST_F(keyspace_lua, the_ack_fields_are_the_cpp_names) {
  auto r = run(c_,
               "return {ack_field.till, ack_field.missing, ack_field.version, "
               "ack_field.acked_at_ms, ack_field.owner, ack_field.owner_from, ack_field.reused}",
               {});
  auto v = r.view();
  ASSERT_TRUE(v.is_array());
  ASSERT_EQ(v.size(), 7u);
  std::string_view cpp[] = {ack_field::till,        ack_field::missing, ack_field::version,
                            ack_field::acked_at_ms, ack_field::owner,   ack_field::owner_from,
                            ack_field::reused};
  for (std::size_t i = 0; i < 7; ++i)
    EXPECT_EQ(v[i].str(), cpp[i]);
}

}  // namespace
}  // namespace tracehub::keyspace
