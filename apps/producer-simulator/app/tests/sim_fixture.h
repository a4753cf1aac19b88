// app/tests/sim_fixture.h — what the simulator's end-to-end tests share: a fresh Postgres
// database and Redis db per test, the three simulated services, their produced seqs
// (seq:{svc}), and the check each test ends with — every seq 1..N of every service in Postgres
// exactly once and the producers' buffers empty.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "backend/keyspace/keys.h"
#include "backend/testing/pg_database.h"
#include "backend/testing/pipeline.h"
#include "backend/testing/redis_db.h"

namespace tracehub::testing {

inline const std::vector<std::string> services{"payment-service", "auth-service", "order-service"};

class sim_fixture : public ::testing::Test {
 protected:
  // `produce_limit`: how long produced_at_least waits; `settle_limit`: how long
  // expect_exactly_once waits for the rows and the empty buffers.
  sim_fixture(int redis_index, std::chrono::milliseconds produce_limit,
              std::chrono::milliseconds settle_limit)
      : pg_(pg_database::create()),
        redis_(redis_index),
        produce_limit_(produce_limit),
        settle_limit_(settle_limit) {}

  long long last_seq(const std::string& service) const {
    auto c = redis_.connect();
    auto r = c.command({"GET", keyspace::seq(service)});
    if (!r || !r->view().is_string()) return 0;
    return std::stoll(std::string(r->view().str()));
  }

  std::vector<long long> last_seqs() const {
    std::vector<long long> out;
    for (const auto& s : services)
      out.push_back(last_seq(s));
    return out;
  }

  // Waits until every service has produced at least `n` more seqs than `base` says
  // (seq:{svc} >= base + n).
  bool produced_at_least(long long n, const std::vector<long long>& base = {0, 0, 0}) {
    return eventually(
        [&] {
          for (std::size_t i = 0; i < services.size(); ++i)
            if (last_seq(services[i]) < base[i] + n) return false;
          return true;
        },
        produce_limit_);
  }

  // Every seq 1..N exactly once in Postgres, and nothing left in the buffer, for each service.
  void expect_exactly_once() {
    for (const auto& s : services) {
      long long n = last_seq(s);
      ASSERT_GT(n, 0) << s;
      row_counts rc;
      long long depth = -1;
      bool done = eventually(
          [&] {
            rc = count_rows(pg_.url(), s);
            depth = redis_.integer({"ZCARD", keyspace::buffer(s)});
            return rc.rows == n && depth == 0;
          },
          settle_limit_);
      EXPECT_TRUE(done) << s << ": N=" << n << " rows=" << rc.rows << " buffered=" << depth;
      EXPECT_EQ(rc.rows, n) << s;
      EXPECT_EQ(rc.distinct_seqs, n) << s;
      EXPECT_EQ(rc.min_seq, 1) << s;
      EXPECT_EQ(rc.max_seq, n) << s;
    }
  }

  pg_database pg_;
  redis_db redis_;

 private:
  std::chrono::milliseconds produce_limit_, settle_limit_;
};

}  // namespace tracehub::testing
