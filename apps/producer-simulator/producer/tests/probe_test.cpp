// rate_eps, as published: logs generated per second over the last 5 s.
#include <gtest/gtest.h>

#include "producer-simulator/producer/probe.h"

namespace tracehub::producer {
namespace {

using namespace std::chrono_literals;

TEST(probe, rate_is_averaged_over_the_last_five_seconds) {
  probe p;
  auto t0 = steady::time_point{} + 1h;
  EXPECT_EQ(p.rate_eps(t0), 0);
  for (int i = 0; i < 10; ++i)
    p.generated(100, t0 + i * 1s);  // 100 logs/s for 10 s
  EXPECT_NEAR(p.rate_eps(t0 + 9s), 100, 20);
  EXPECT_EQ(p.rate_eps(t0 + 30s), 0);  // a silent producer reads 0, not its old rate
}

TEST(probe, a_young_producer_is_not_averaged_over_time_it_did_not_run) {
  probe p;
  auto t0 = steady::time_point{} + 1h;
  p.generated(50, t0);
  p.generated(50, t0 + 1s);
  p.generated(50, t0 + 2s);
  EXPECT_NEAR(p.rate_eps(t0 + 2s), 75, 1);  // 150 logs over 2 s
}

}  // namespace
}  // namespace tracehub::producer
