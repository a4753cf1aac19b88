#include "backend/base/json_parse.h"

#include <gtest/gtest.h>
#include <boost/json/error.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace tracehub {
namespace {

// Boost.JSON 1.81 reads 0E400 as NaN and 1E400 as infinity; parse_json refuses both, wherever
// they sit in the document.
TEST(ParseJson, RefusesNumbersOutsideTheRangeOfADouble) {
  for (const char* text :
       {"0E400", "1E400", "-1e999", "[1,2,0E37095516]",
        R"({"action":"drop_network","share":0E400})", R"({"a":{"b":[{"c":1E309}]}})"}) {
    boost::system::error_code ec;
    auto v = parse_json(text, ec);
    EXPECT_EQ(ec, boost::json::error::exponent_overflow) << text;
    EXPECT_TRUE(v.is_null()) << text;
  }
}

TEST(ParseJson, KeepsEverythingElseAsBoostReadsIt) {
  for (const char* text : {"0", "-0.0", "1e-400", "1.7976931348623157e308", "18446744073709551615",
                           "-9223372036854775808", R"({"a":[1,2.5,"x",null,true]})", R"("NaN")"}) {
    boost::system::error_code ec;
    auto v = parse_json(text, ec);
    ASSERT_FALSE(ec) << text << ": " << ec.message();
    EXPECT_EQ(v, boost::json::parse(text)) << text;
  }
}

TEST(ParseJson, ReportsSyntaxErrorsLikeBoost) {
  boost::system::error_code ec;
  auto v = parse_json("{\"a\":", ec);
  EXPECT_TRUE(ec);
  EXPECT_NE(ec, boost::json::error::exponent_overflow);
  EXPECT_TRUE(v.is_null());
}

}  // namespace
}  // namespace tracehub
