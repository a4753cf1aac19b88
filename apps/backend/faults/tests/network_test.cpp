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

// The refresh period the product promises (docs/PROTOCOL.md, "Controls across processes").
constexpr auto refresh = 100ms;

// Waits until `n` has completed two refreshes that began after this call: the first one done
// may have read Redis before a write that returned just before the call, the second read it
// after. Whatever the machine's speed, `n` then applies what was written; how long that took
// is returned for the bound on the period.
std::chrono::milliseconds two_refreshes_of(const network& n) {
  const auto seen = n.refreshes();
  return time_until([&] { return n.refreshes() >= seen + 2; });
}

// Two refreshes take about two periods; ten periods leave a loaded machine room and still
// catch a process that reads the windows far less often than it promises (or only after the
// 2 s back-off).
constexpr auto within_the_period = 10 * refresh;

TEST(faults_network, a_window_set_in_one_process_applies_in_another_at_its_next_refresh) {
  testing::redis_db db;
  auto ep = redis::parse_url(db.url());
  ASSERT_TRUE(ep);
  network a(*ep, refresh), b(*ep, refresh);
  a.start();
  b.start();
  ASSERT_LT(time_until([&] { return b.refreshes() > 0; }), 5s);
  EXPECT_FALSE(b.should_drop());
  auto now = now_epoch_ms();
  ASSERT_TRUE(a.set({std::string(drop_network), now, now + 60'000, 1.0, 0, R"({"share":1})"}));
  EXPECT_TRUE(a.should_drop());  // at once where it was set
  EXPECT_LT(two_refreshes_of(b), within_the_period);
  EXPECT_TRUE(b.should_drop());
  ASSERT_TRUE(a.set({std::string(delay_ack), now, now + 60'000, 0, 1234, R"({"delayMs":1234})"}));
  EXPECT_LT(two_refreshes_of(b), within_the_period);
  EXPECT_EQ(b.ack_delay_ms(), 1234);
  ASSERT_EQ(b.active().size(), 2u);
  EXPECT_EQ(b.active()[0].params.empty(), false);
  ASSERT_TRUE(b.clear_all());
  EXPECT_LT(two_refreshes_of(a), within_the_period);
  EXPECT_FALSE(a.should_drop());
  EXPECT_EQ(a.ack_delay_ms(), 0);
  EXPECT_TRUE(a.active().empty());
}

TEST(faults_network, a_window_ends_by_itself) {
  testing::redis_db db;
  auto ep = redis::parse_url(db.url());
  ASSERT_TRUE(ep);
  network a(*ep, refresh), b(*ep, refresh);
  b.start();
  // Long enough that `b` applies the window before its end on a loaded machine too (the bound
  // on the refresh above), short enough to see it end.
  constexpr auto length = within_the_period + 500ms;
  auto now = now_epoch_ms();
  ASSERT_TRUE(a.set({std::string(drop_network), now, now + length.count(), 1.0, 0, "{}"}));
  ASSERT_LT(two_refreshes_of(b), within_the_period);
  ASSERT_TRUE(b.should_drop());
  // Ends at its end with no help: should_drop() reads the end, and the refreshes find no key.
  time_until([&] { return !b.should_drop(); }, length + 5s);
  ASSERT_FALSE(b.should_drop()) << "the window outlived its end";
  EXPECT_TRUE(b.active().empty());
  // Redis expired it too (its clock may read the end a millisecond later than ours; a key
  // without its expiry would stay for ever).
  time_until([&] { return db.integer({"EXISTS", key_of(drop_network)}) == 0; }, 5s);
  EXPECT_EQ(db.integer({"EXISTS", key_of(drop_network)}), 0);
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
