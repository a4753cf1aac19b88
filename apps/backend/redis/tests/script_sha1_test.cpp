#include <gtest/gtest.h>

#include "backend/redis/script.h"

namespace tracehub::redis {
namespace {

// Expected values are what `SCRIPT LOAD` (and sha1sum) give for the same text.
TEST(script, sha1_is_lowercase_hex_of_the_source) {
  EXPECT_EQ(script("return 1").sha1(), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
  EXPECT_EQ(script("return redis.call('INCRBY', KEYS[1], ARGV[1])").sha1(),
            "8cd00688c05c46bde4a2e60658ef20a2e5c0b248");
  EXPECT_EQ(script("").sha1(), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

}  // namespace
}  // namespace tracehub::redis
