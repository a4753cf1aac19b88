// Exactly once across partitions (docs/PROTOCOL.md, "Retention"): `logs` is partitioned by the
// time an entry was queued and its unique key is per partition, so what keeps a seq from being
// stored twice is that every path that writes it again writes it into the same partition, or
// not at all. Each test drives the worker's transaction (pg_writer) against a real Postgres.
// Integration: needs TRACEHUB_TEST_PG_URL (scripts/test-env.sh).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "backend/base/clock.h"
#include "backend/pg/migrate.h"
#include "backend/queue/copy_row.h"
#include "backend/retention/partitions.h"
#include "backend/testing/pg_database.h"
#include "backend/worker/pg_writer.h"

namespace tracehub::worker {
namespace {

using std::chrono::seconds;

// Rows lo..hi of `service` as the queue carries them.
std::string rows(const std::string& service, std::int64_t lo, std::int64_t hi) {
  std::string out;
  for (auto s = lo; s <= hi; ++s) {
    std::string message = "m-" + std::to_string(s);
    queue::append_row(
        out, {service, s, "info", message, std::nullopt, "2026-11-01T00:00:00.000000Z", ""});
  }
  return out;
}

// A queue entry of seqs lo..hi queued at `at_ms`.
entry make_entry(const std::string& service, std::int64_t lo, std::int64_t hi, std::int64_t at_ms,
                 std::int64_t version) {
  entry e;
  e.id = std::to_string(at_ms) + "-" + std::to_string(lo);
  e.service = service;
  e.rows = rows(service, lo, hi);
  e.row_count = hi - lo + 1;
  e.batch_id = "b-" + std::to_string(version);
  e.ack_till = hi;
  e.contiguous_till = hi;
  e.version = version;
  e.acked_at_ms = at_ms;
  return e;
}

class pg_writer_test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto applied = pg::migrate(c_, pg::backend_migrations());
    ASSERT_TRUE(applied) << c_.last_error();
    ASSERT_TRUE(retention::cover(c_, policy_, now_epoch_ms() + 10'000)) << c_.last_error();
  }
  std::int64_t scalar(const std::string& sql) {
    auto r = c_.query(sql);
    EXPECT_TRUE(r) << sql << ": " << c_.last_error();
    return r && r->size() == 1 ? r->get_int(0, 0) : -1;
  }
  write_outcome write(const std::vector<entry>& entries) {
    auto r = writer_.write(entries);
    EXPECT_TRUE(r) << r.error().message();
    return r ? *r : write_outcome{};
  }
  std::int64_t distinct(const std::string& service) {
    return scalar("SELECT count(DISTINCT seq) FROM logs WHERE service = '" + service + "'");
  }
  std::int64_t count(const std::string& service) {
    return scalar("SELECT count(*) FROM logs WHERE service = '" + service + "'");
  }

  testing::pg_database db_ = testing::pg_database::create();
  pg::connection c_ = db_.connect();
  retention::policy policy_ = retention::make_policy(seconds(5));  // 1 s partitions
  pg_writer writer_{db_.url(), policy_};
};

// The worker died between COMMIT and XACK: its entries come back, alone or grouped with others,
// after the partition boundary between them has passed. Each meets its rows again.
TEST_F(pg_writer_test, a_redelivered_entry_meets_its_rows_in_its_own_partition) {
  const auto t = now_epoch_ms();
  auto first = make_entry("svc", 1, 100, t, 1), second = make_entry("svc", 101, 200, t + 1'500, 2);
  EXPECT_EQ(write({first, second}).inserted, 200);
  EXPECT_EQ(scalar("SELECT count(DISTINCT tableoid) FROM logs"), 2) << "two partitions";
  EXPECT_EQ(write({second}).inserted, 0);
  EXPECT_EQ(write({first, second, make_entry("svc", 201, 210, t + 2'500, 3)}).inserted, 10);
  EXPECT_EQ(count("svc"), 210);
  EXPECT_EQ(distinct("svc"), 210);
  // ingested_at is the entry's time, to the millisecond.
  EXPECT_EQ(scalar("SELECT (extract(epoch FROM ingested_at) * 1000)::bigint FROM logs "
                   "WHERE service = 'svc' AND seq = 150"),
            t + 1'500);
}

// An entry queued before retention's horizon (held in queue:retry while Postgres was down, say)
// would land in a partition that is gone or going: it is not stored, and its seqs are recorded
// as expired so the audit does not call them lost.
TEST_F(pg_writer_test, an_entry_older_than_the_horizon_is_recorded_expired_not_stored) {
  const auto t = now_epoch_ms();
  ASSERT_TRUE(c_.exec("UPDATE logs_retention SET expired_before = now() - interval '1 second'"));
  auto out = write({make_entry("old", 1, 50, t - 60'000, 1), make_entry("old", 51, 60, t, 2)});
  EXPECT_EQ(out.inserted, 10);
  EXPECT_EQ(out.expired, 50);
  ASSERT_EQ(out.expired_entries.size(), 1u);
  EXPECT_EQ(out.expired_entries[0], 0u);
  EXPECT_EQ(count("old"), 10);
  EXPECT_EQ(scalar("SELECT expired_till FROM logs_expired WHERE service = 'old'"), 50);
  // The ACK state of an expired entry is still recorded.
  EXPECT_EQ(scalar("SELECT ack_till FROM ack_state WHERE service = 'old'"), 60);
}

// An operator re-queues a dead letter twice, the second time a second later: the two entries
// carry different times, hence different partitions. The dead letter is claimed by the first
// transaction that stores it; the second finds it resolved and stores nothing.
TEST_F(pg_writer_test, a_dead_letter_requeued_twice_across_a_boundary_is_stored_once) {
  const auto t = now_epoch_ms();
  auto row = rows("dl", 7, 7);
  row.pop_back();
  std::string hex;
  for (unsigned char ch : row) {
    static constexpr char digits[] = "0123456789abcdef";
    hex += digits[ch >> 4];
    hex += digits[ch & 0xf];
  }
  ASSERT_TRUE(
      c_.exec("INSERT INTO dead_letters (service, seq, row_data, reason) VALUES ('dl', 7, "
              "decode('" +
              hex + "', 'hex'), 'refused once')"));
  auto requeued = [&](std::int64_t at) {
    auto e = make_entry("dl", 7, 7, at, 0);
    e.from_dead_letters = true;
    e.version = 0;
    return e;
  };
  EXPECT_EQ(write({requeued(t)}).inserted, 1);
  EXPECT_EQ(write({requeued(t + 1'500)}).inserted, 0);
  EXPECT_EQ(write({requeued(t + 1'500), requeued(t + 2'500)}).inserted, 0);
  EXPECT_EQ(count("dl"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM dead_letters WHERE resolved_at IS NOT NULL"), 1);
}

// The maintainer makes partitions ahead; an entry newer than all of them (a host whose clock
// runs ahead) gets its partition from the worker itself.
TEST_F(pg_writer_test, an_entry_beyond_every_partition_gets_one) {
  const auto ahead = now_epoch_ms() + 120'000;
  EXPECT_EQ(write({make_entry("future", 1, 5, ahead, 1)}).inserted, 5);
  EXPECT_EQ(count("future"), 5);
  EXPECT_GE(scalar("SELECT (extract(epoch FROM max(to_at)) * 1000)::bigint FROM logs_partitions()"),
            ahead);
}

// The fast path sends binary COPY (queue/copy_binary.h): each row's columns arrive as the text
// row says, ingested_at is the entry's `at` to the millisecond. A row the converter does not
// take (a ts Postgres reads but ingest never renders) sends the whole group as COPY text: it is
// still stored, with the rows of the other entry.
TEST_F(pg_writer_test, binary_copy_stores_the_rows_as_text_would_and_odd_rows_fall_back_to_text) {
  const auto t = now_epoch_ms();
  auto plain = make_entry("bin", 1, 3, t, 1);
  EXPECT_EQ(write({plain}).inserted, 3);
  EXPECT_EQ(scalar("SELECT count(*) FROM logs WHERE service = 'bin' AND level = 'info' AND "
                   "message = 'm-' || seq AND request_id IS NULL AND attrs IS NULL AND "
                   "ts = '2026-11-01T00:00:00Z' AND "
                   "(extract(epoch FROM ingested_at) * 1000)::bigint = " +
                   std::to_string(t)),
            3);

  auto odd = make_entry("odd", 1, 1, t, 1);
  odd.rows.clear();
  queue::append_row(
      odd.rows, {"odd", 1, "warn", "tab\there", "r-1", "2026-11-01 02:00:00+02", R"({"k":"v"})"});
  auto next = make_entry("bin", 4, 5, t, 2);
  EXPECT_EQ(write({odd, next}).inserted, 3);
  EXPECT_EQ(
      scalar("SELECT count(*) FROM logs WHERE service = 'odd' AND ts = "
             "'2026-11-01T00:00:00Z' AND message = E'tab\\there' AND attrs = '{\"k\":\"v\"}'"),
      1);
  EXPECT_EQ(distinct("bin"), 5);
  EXPECT_EQ(count("bin"), 5);
}

}  // namespace
}  // namespace tracehub::worker
