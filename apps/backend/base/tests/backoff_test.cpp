// The shared back-off: concurrent failures join a step, so a dead backend makes one warning per
// step, not one per batch; a single retry loop steps on every failure.
#include <gtest/gtest.h>

#include "backend/base/backoff.h"

namespace tracehub {
namespace {

using namespace std::chrono_literals;

TEST(backoff, doubles_per_step_up_to_the_maximum_and_resets_on_success) {
  backoff b(100ms, 5s);
  auto t = steady::time_point{} + 1h;
  std::vector<long> delays;
  for (int i = 0; i < 8; ++i) {
    auto s = b.failed(t);
    EXPECT_TRUE(s.new_step);
    delays.push_back(static_cast<long>(s.delay.count()));
    t = s.retry_at;
  }
  EXPECT_EQ(delays, (std::vector<long>{100, 200, 400, 800, 1600, 3200, 5000, 5000}));
  EXPECT_TRUE(b.succeeded());
  EXPECT_FALSE(b.succeeded());
  EXPECT_EQ(b.failed(t).delay, 100ms);
}

TEST(backoff, failures_during_a_wait_join_its_step) {
  backoff b(100ms, 5s);
  auto t = steady::time_point{} + 1h;
  auto first = b.failed(t);
  auto second = b.failed(t + 50ms);
  EXPECT_TRUE(first.new_step);
  EXPECT_FALSE(second.new_step);
  EXPECT_EQ(second.retry_at, first.retry_at);
  EXPECT_TRUE(b.failed(first.retry_at).new_step);
}

TEST(backoff, next_always_steps_and_success_starts_over) {
  backoff b(10ms, 1000ms);
  std::vector<long> delays;
  for (int i = 0; i < 9; ++i)
    delays.push_back(static_cast<long>(b.next().count()));
  EXPECT_EQ(delays, (std::vector<long>{10, 20, 40, 80, 160, 320, 640, 1000, 1000}));
  EXPECT_TRUE(b.failing());
  b.succeeded();
  EXPECT_EQ(b.next(), 10ms);
}

}  // namespace
}  // namespace tracehub
