// The sliding windows and the latency histogram behind SystemMetrics.
#include <gtest/gtest.h>

#include "backend/stats/latency_histogram.h"
#include "backend/stats/recorder.h"

namespace tracehub::stats {
namespace {

constexpr std::int64_t t0 = 1'700'000'000'000;  // a whole second, in ms

TEST(latency_histogram, quantiles_are_within_the_bucket_width) {
  latency_histogram h;
  for (int i = 1; i <= 1000; ++i)
    h.add(i);  // 1..1000 ms
  EXPECT_EQ(h.count(), 1000);
  // Never below the true value, at most one bucket (5 %) above it.
  for (double q : {0.50, 0.95, 0.99, 1.0}) {
    double truth = q * 1000;
    EXPECT_GE(h.quantile(q), truth) << q;
    EXPECT_LE(h.quantile(q), truth * 1.05) << q;
  }
}

TEST(latency_histogram, empty_and_extremes) {
  latency_histogram h;
  EXPECT_EQ(h.quantile(0.99), 0);
  h.add(0);
  h.add(-5);
  h.add(1e12);  // beyond the last bucket: clamped, not lost
  EXPECT_EQ(h.count(), 3);
  EXPECT_GT(h.quantile(1.0), 1e6);
}

TEST(recorder, eps_counts_complete_seconds_of_the_window_only) {
  recorder r(std::chrono::seconds(10));
  for (int s = 0; s < 10; ++s)
    r.ingested("a", 100, 10, t0 + s * 1000 + 500);
  r.ingested("a", 5000, 0, t0 + 10'000 + 10);  // the current second: not yet counted
  auto v = r.read(t0 + 10'000 + 20);
  EXPECT_DOUBLE_EQ(v.ingest_eps, 100.0);
  EXPECT_DOUBLE_EQ(v.error_rate, 0.1);
  ASSERT_EQ(v.services.size(), 1u);
  EXPECT_EQ(v.services[0].logs_total, 6000);
  EXPECT_EQ(v.services[0].errors_total, 100);
}

TEST(recorder, old_seconds_leave_the_window) {
  recorder r(std::chrono::seconds(10));
  r.ingested("a", 1000, 0, t0);
  EXPECT_DOUBLE_EQ(r.read(t0 + 1000).ingest_eps, 100.0);
  EXPECT_DOUBLE_EQ(r.read(t0 + 11'000).ingest_eps, 0.0);
  // The ring slot of t0 is reused 64 s later; the stale count must not come back.
  r.ingested("a", 1, 0, t0 + 64'000);
  EXPECT_DOUBLE_EQ(r.read(t0 + 65'000).ingest_eps, 0.1);
}

TEST(recorder, per_service_rates_and_insert_eps) {
  recorder r(std::chrono::seconds(2));
  r.ingested("b", 10, 10, t0);
  r.ingested("a", 30, 0, t0 + 1000);
  r.inserted(40, t0 + 1000);
  auto v = r.read(t0 + 2000);
  ASSERT_EQ(v.services.size(), 2u);
  EXPECT_EQ(v.services[0].service, "a");
  EXPECT_DOUBLE_EQ(v.services[0].eps, 15.0);
  EXPECT_DOUBLE_EQ(v.services[1].error_rate, 1.0);
  EXPECT_DOUBLE_EQ(v.insert_eps, 20.0);
  EXPECT_DOUBLE_EQ(v.error_rate, 0.25);
}

TEST(recorder, ack_latency_percentiles_and_cumulative_buckets) {
  recorder r(std::chrono::seconds(10), std::chrono::seconds(30));
  for (int i = 0; i < 98; ++i)
    r.ack_latency(2, t0);
  r.ack_latency(3000, t0);
  r.ack_latency(3100, t0);
  auto v = r.read(t0 + 500);
  EXPECT_EQ(v.ack_count, 100);
  EXPECT_GE(v.ack_p50_ms, 2);
  EXPECT_LE(v.ack_p50_ms, 2 * 1.05);
  EXPECT_GE(v.ack_p99_ms, 3000);
  EXPECT_LE(v.ack_p99_ms, 3000 * 1.05);
  EXPECT_EQ(v.latency.count, 100);
  EXPECT_EQ(v.latency.buckets[1], 98);       // <= 2.5 ms
  EXPECT_EQ(v.latency.buckets.back(), 100);  // <= 10 s
  // 31 s later the window is empty but the totals stay.
  auto later = r.read(t0 + 31'000);
  EXPECT_EQ(later.ack_count, 0);
  EXPECT_EQ(later.latency.count, 100);
}

TEST(recorder, clear_forgets_everything) {
  recorder r;
  r.ingested("a", 10, 1, t0);
  r.inserted(10, t0);
  r.ack_latency(5, t0);
  r.clear();
  auto v = r.read(t0 + 1000);
  EXPECT_TRUE(v.services.empty());
  EXPECT_EQ(v.rows_total, 0);
  EXPECT_EQ(v.latency.count, 0);
}

TEST(recorder, states_of_two_processes_add_up_to_the_system) {
  const std::int64_t t = 1'000'000'000;
  recorder a, b;
  for (int s = 0; s < 10; ++s) {
    a.ingested("svc", 30, 3, t + s * 1000);
    b.ingested("svc", 70, 7, t + s * 1000);
    b.ingested("other", 10, 0, t + s * 1000);
    a.inserted(25, t + s * 1000);
    b.inserted(75, t + s * 1000);
  }
  for (int i = 0; i < 100; ++i)
    (i < 50 ? a : b).ack_latency(i < 50 ? 2.0 : 200.0, t + 9000);
  recorder system;
  system.add(a.state());
  system.add(b.state());
  auto v = system.read(t + 10'000);
  EXPECT_DOUBLE_EQ(v.ingest_eps, 110);
  EXPECT_DOUBLE_EQ(v.insert_eps, 100);
  EXPECT_NEAR(v.error_rate, 100.0 / 1100.0, 1e-9);
  EXPECT_EQ(v.logs_total, 1100);
  EXPECT_EQ(v.rows_total, 1000);
  EXPECT_EQ(v.ack_count, 100);
  EXPECT_NEAR(v.ack_p50_ms, 2.0, 0.11);
  EXPECT_NEAR(v.ack_p99_ms, 200.0, 10.1);
  EXPECT_EQ(v.latency.count, 100);
  ASSERT_EQ(v.services.size(), 2u);
  EXPECT_DOUBLE_EQ(v.services[1].eps, 100);  // svc: 30 + 70 a second
}

}  // namespace
}  // namespace tracehub::stats
