// Integration tests of the query pool's admission by time (pg/pool.h): need TRACEHUB_TEST_PG_URL.
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "backend/pg/errc.h"
#include "backend/pg/pool.h"
#include "backend/testing/pg_database.h"

namespace {

namespace pg = tracehub::pg;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

double seconds(clock_type::duration d) {
  return std::chrono::duration<double>(d).count();
}

// Four threads each running 20 ms queries back to back would hold about four seconds of
// connection time per second; with a share of 0.2 the leases together hold no more than a fifth
// of the time, plus the one-second burst, plus what the leases out when the share ran out
// overdrew it (at most one lease per connection), and still get that fifth.
//
// `held` counts the queries only, never more than the pool charged; the overdraft is bounded by
// the longest lease seen here, not by a guess at how long a 20 ms query takes: on a loaded
// machine a lease may last far longer, and the bound grows with it instead of failing. Without
// the share the leases would hold about 4 s per second, far above the bound unless a single
// lease took a good part of the run.
TEST(pg_pool, the_time_share_bounds_the_time_leases_hold_together) {
  constexpr std::size_t connections = 4;
  constexpr double share = 0.2;
  auto db = tracehub::testing::pg_database::create();
  const auto start = clock_type::now();  // before the pool: its share refills from its creation
  pg::pool p(pg::pool_options{db.url(), connections, 5s, 10s, "tracehub-pool-test", share});
  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> held_ns{0}, longest_ns{0}, queries{0};
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < connections; ++i)
    threads.emplace_back([&] {
      while (!stop) {
        clock_type::time_point leased;
        {
          auto c = p.acquire();
          ASSERT_TRUE(c) << c.error().message();
          leased = clock_type::now();
          ASSERT_TRUE((*c)->exec("SELECT pg_sleep(0.02)"));
          held_ns += std::chrono::nanoseconds(clock_type::now() - leased).count();
        }
        // The lease, up to its return: what the pool charged it, but for the instant between
        // its start inside acquire() and `leased` (which `held` leaves out of every lease).
        const std::int64_t lease_ns = std::chrono::nanoseconds(clock_type::now() - leased).count();
        for (auto longest = longest_ns.load(); lease_ns > longest;)
          if (longest_ns.compare_exchange_weak(longest, lease_ns)) break;
        ++queries;
      }
    });
  std::this_thread::sleep_for(3s);  // the length of the workload, not a synchronisation
  stop = true;
  for (auto& t : threads)
    t.join();
  const double elapsed = seconds(clock_type::now() - start);
  const double held = static_cast<double>(held_ns.load()) / 1e9;
  const double longest = static_cast<double>(longest_ns.load()) / 1e9;
  std::printf("%.2f s of leases in %.2f s (%lld queries, the longest %.3f s)\n", held, elapsed,
              static_cast<long long>(queries.load()), longest);
  EXPECT_LE(held, share * elapsed + share + connections * longest) << "the share was not enforced";
  EXPECT_GE(held, share / 2 * elapsed) << "the share was not granted";
}

// Past the share, an acquire waits for it to refill and gives up with errc::timeout at
// acquire_timeout, whatever the idle connections.
TEST(pg_pool, past_its_share_an_acquire_times_out_though_connections_are_idle) {
  auto db = tracehub::testing::pg_database::create();
  pg::pool p(pg::pool_options{db.url(), 2, 5s, 200ms, "tracehub-pool-test", 0.01});
  {
    auto c = p.acquire();
    ASSERT_TRUE(c) << c.error().message();
    ASSERT_TRUE((*c)->exec("SELECT pg_sleep(0.3)"));  // 30 s of a 1 % share
  }
  const auto start = clock_type::now();
  auto c = p.acquire();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), pg::errc::timeout);
  EXPECT_GE(clock_type::now() - start, 190ms);
}

// Without a share (0), leases are bounded only by the connections.
TEST(pg_pool, without_a_share_every_connection_is_lent_at_once) {
  auto db = tracehub::testing::pg_database::create();
  pg::pool p(pg::pool_options{db.url(), 3, 5s, 100ms, "tracehub-pool-test", 0});
  auto a = p.acquire(), b = p.acquire(), c = p.acquire();
  ASSERT_TRUE(a && b && c);
  auto d = p.acquire();
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error(), pg::errc::timeout);
}

}  // namespace
