// faults/network.h against a real Redis: a window set through one process's switchboard
// applies in another's within the refresh period, ends by itself at its end, and clear_all
// ends every window everywhere.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "backend/base/clock.h"
#include "backend/faults/network.h"
#include "backend/testing/redis_db.h"

namespace tracehub::faults {
namespace {

using namespace std::chrono_literals;

template <class F>
std::chrono::milliseconds time_until(F f, std::chrono::milliseconds limit = 5s) {
  auto start = std::chrono::steady_clock::now();
  while (!f() && std::chrono::steady_clock::now() - start < limit)
    std::this_thread::sleep_for(5ms);
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

TEST(faults_network, a_window_set_in_one_process_applies_in_another_within_200_ms) {
  testing::redis_db db;
  auto ep = redis::parse_url(db.url());
  ASSERT_TRUE(ep);
  network a(*ep), b(*ep);
  a.start();
  b.start();
  ASSERT_LT(time_until([&] { return b.refreshes() > 0; }), 5s);
  EXPECT_FALSE(b.should_drop());
  auto now = now_epoch_ms();
  ASSERT_TRUE(a.set({std::string(drop_network), now, now + 60'000, 1.0, 0, R"({"share":1})"}));
  EXPECT_TRUE(a.should_drop());  // at once where it was set
  auto took = time_until([&] { return b.should_drop(); });
  EXPECT_LT(took, 200ms);
  ASSERT_TRUE(a.set({std::string(delay_ack), now, now + 60'000, 0, 1234, R"({"delayMs":1234})"}));
  EXPECT_LT(time_until([&] { return b.ack_delay_ms() == 1234; }), 200ms);
  ASSERT_EQ(b.active().size(), 2u);
  EXPECT_EQ(b.active()[0].params.empty(), false);
  ASSERT_TRUE(b.clear_all());
  EXPECT_LT(time_until([&] { return !a.should_drop() && a.ack_delay_ms() == 0; }), 200ms);
  EXPECT_TRUE(a.active().empty());
}

TEST(faults_network, a_window_ends_by_itself) {
  testing::redis_db db;
  auto ep = redis::parse_url(db.url());
  ASSERT_TRUE(ep);
  network a(*ep), b(*ep);
  b.start();
  auto now = now_epoch_ms();
  ASSERT_TRUE(a.set({std::string(drop_network), now, now + 300, 1.0, 0, "{}"}));
  ASSERT_LT(time_until([&] { return b.should_drop(); }), 250ms);
  ASSERT_LT(time_until([&] { return !b.should_drop(); }), 2s);
  EXPECT_TRUE(b.active().empty());
  // Redis expired it too (its clock may read the end a millisecond later than ours).
  EXPECT_LT(time_until([&] { return db.integer({"EXISTS", key_of(drop_network)}) == 0; }), 100ms);
}

TEST(faults_network, a_pinned_drop_stays_in_its_process) {
  network local;  // no Redis: this process only
  local.pin_drop(1.0);
  EXPECT_TRUE(local.should_drop());
  network other;
  EXPECT_FALSE(other.should_drop());
}

TEST(faults_network, windows_read_back_as_stored) {
  window w{"delay_ack", 5, 10, 0.25, 3000, R"({"delayMs":3000})"};
  auto back = decode(encode(w));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->action, "delay_ack");
  EXPECT_EQ(back->until, 10);
  EXPECT_EQ(back->delay_ms, 3000);
  EXPECT_EQ(back->params, R"({"delayMs":3000})");
  EXPECT_FALSE(decode("{}"));
  EXPECT_FALSE(decode("not json"));
}

}  // namespace
}  // namespace tracehub::faults
