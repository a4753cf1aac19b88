// The partitions of `logs` against a real Postgres (docs/PROTOCOL.md, "Retention"): the
// migration turns an existing table into the first partition without losing or doubling a
// row; partitions are made ahead; expired chunks are removed whole and recorded; a removal cut
// short is finished by the next pass. Integration: needs TRACEHUB_TEST_PG_URL
// (scripts/test-env.sh); each test gets its own database.
#include <algorithm>
#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "backend/base/clock.h"
#include "backend/pg/migrate.h"
#include "backend/retention/partitions.h"
#include "backend/testing/pg_database.h"

namespace tracehub::retention {
namespace {

using std::chrono::seconds;

class partitions : public ::testing::Test {
 protected:
  void SetUp() override { migrate_to(1000); }

  // Applies the backend's migrations up to `version`.
  void migrate_to(int version) {
    auto all = pg::backend_migrations();
    auto n =
        std::count_if(all.begin(), all.end(), [&](const auto& m) { return m.version <= version; });
    auto applied = pg::migrate(c_, all.subspan(0, static_cast<std::size_t>(n)));
    ASSERT_TRUE(applied) << c_.last_error();
  }
  void exec(const std::string& sql) { ASSERT_TRUE(c_.exec(sql)) << sql << ": " << c_.last_error(); }
  std::int64_t scalar(const std::string& sql) {
    auto r = c_.query(sql);
    EXPECT_TRUE(r) << sql << ": " << c_.last_error();
    return r && r->size() == 1 ? r->get_int(0, 0) : -1;
  }
  // Inserts seqs lo..hi of `service`, ingested `ago` before now.
  void insert(const std::string& service, std::int64_t lo, std::int64_t hi,
              const std::string& ago) {
    exec("INSERT INTO logs (service, seq, level, message, ts, ingested_at) SELECT '" + service +
         "', s, 'info', 'm', now(), now() - interval '" + ago + "' FROM generate_series(" +
         std::to_string(lo) + ", " + std::to_string(hi) + ") s");
  }
  // Calls drop_expired until `sql` gives `value`, for at most 20 s.
  bool drop_until(const policy& p, const std::string& sql, std::int64_t value) {
    const auto deadline = steady::now() + seconds(20);
    for (;;) {
      auto r = drop_expired(c_, p);
      EXPECT_TRUE(r) << c_.last_error();
      if (!r) return false;
      if (scalar(sql) == value) return true;
      if (steady::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // polling
    }
  }

  testing::pg_database db_ = testing::pg_database::create();
  pg::connection c_ = db_.connect();
};

class legacy_table : public partitions {
 protected:
  void SetUp() override {}
};

// An existing table with rows becomes the partition logs_legacy: every row stays, a redelivered
// row (ingested before the upgrade) still meets the unique key, ids go on from the same
// sequence, and the sequence survives the legacy partition's removal.
TEST_F(legacy_table, the_migration_keeps_every_row_and_the_unique_key) {
  migrate_to(7);
  exec(
      "INSERT INTO logs (service, seq, level, message, ts) "
      "SELECT 'old', s, CASE WHEN s % 10 = 0 THEN 'error' ELSE 'info' END, 'm', now() "
      "FROM generate_series(1, 1000) s");
  migrate_to(1000);
  EXPECT_EQ(scalar("SELECT count(*) FROM logs"), 1000);
  EXPECT_EQ(scalar("SELECT count(*) FROM logs_legacy"), 1000);
  EXPECT_EQ(scalar("SELECT count(*) FROM logs WHERE level = 'error'"), 100);
  EXPECT_EQ(scalar("SELECT count(*) FROM logs_partitions() WHERE from_at IS NULL"), 1);

  // The worker's redelivery path: ON CONFLICT DO NOTHING with the entry's (old) time.
  exec(
      "INSERT INTO logs (service, seq, level, message, ts, ingested_at) "
      "VALUES ('old', 7, 'info', 'again', now(), now() - interval '1 hour') ON CONFLICT DO "
      "NOTHING");
  EXPECT_EQ(scalar("SELECT count(*) FROM logs WHERE service = 'old' AND seq = 7"), 1);

  auto covered = cover(c_, make_policy(seconds(0)), now_epoch_ms() + 60'000);
  ASSERT_TRUE(covered) << c_.last_error();
  insert("new", 1, 10, "-2 s");  // after the legacy partition's end, however quick the test
  EXPECT_GT(scalar("SELECT min(id) FROM logs WHERE service = 'new'"), 1000);
  const auto last_id = scalar("SELECT max(id) FROM logs");

  exec("ALTER TABLE logs DETACH PARTITION logs_legacy");
  exec("SELECT logs_drop_detached('logs_legacy')");
  EXPECT_EQ(scalar("SELECT expired_till FROM logs_expired WHERE service = 'old'"), 1000);
  insert("new", 11, 11, "-2 s");
  EXPECT_EQ(scalar("SELECT max(id) FROM logs"), last_id + 1) << "the id sequence went too";
}

TEST_F(partitions, partitions_are_made_ahead_each_with_its_unique_key) {
  auto p = make_policy(seconds(5));
  auto until = now_epoch_ms() + 10'000;
  auto covered = cover(c_, p, until);
  ASSERT_TRUE(covered) << c_.last_error();
  EXPECT_GE(*covered, until);
  EXPECT_LT(*covered, until + 2'000);
  // 1 s partitions from the legacy one's end on, contiguous.
  EXPECT_GE(scalar("SELECT count(*) FROM logs_partitions()"), 10);
  EXPECT_EQ(scalar("SELECT count(*) FROM logs_partitions() a JOIN logs_partitions() b "
                   "ON b.from_at = a.to_at"),
            scalar("SELECT count(*) FROM logs_partitions()") - 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM logs_partitions() WHERE from_at IS NOT NULL AND "
                   "to_at - from_at > interval '1 second'"),
            0);
  // Covered already: nothing more is made.
  auto again = cover(c_, p, until);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *covered);

  // Within a partition (service, seq) is unique; the same seq in another partition is not
  // refused by Postgres (the worker's path keeps a seq in one partition: worker tests).
  insert("a", 1, 1, "0 s");
  exec(
      "INSERT INTO logs (service, seq, level, message, ts) VALUES ('a', 1, 'info', 'x', now()) "
      "ON CONFLICT DO NOTHING");
  EXPECT_EQ(scalar("SELECT count(*) FROM logs WHERE service = 'a'"), 1);
}

// A backend stopped for three days left partitions that end then: the next cover bridges the
// gap with one partition rather than thousands of 1-minute ones, then goes on in minutes.
TEST_F(partitions, a_long_gap_is_bridged_by_one_partition) {
  exec("ALTER TABLE logs DETACH PARTITION logs_legacy");
  exec("SELECT logs_drop_detached('logs_legacy')");
  exec(
      "SELECT logs_add_partitions(interval '1 minute', now() - interval '3 days', "
      "now() - interval '3 days 1 minute')");
  ASSERT_EQ(scalar("SELECT count(*) FROM logs_partitions()"), 1);
  auto p = make_policy(seconds(240));
  ASSERT_EQ(p.chunk, seconds(60));
  ASSERT_TRUE(cover(c_, p, now_epoch_ms() + 60'000)) << c_.last_error();
  EXPECT_LE(scalar("SELECT count(*) FROM logs_partitions()"), 5);
  EXPECT_EQ(scalar("SELECT count(*) FROM logs_partitions() WHERE to_at - from_at > "
                   "interval '1 minute'"),
            1);
  EXPECT_EQ(scalar("SELECT count(*) FROM logs_partitions() a JOIN logs_partitions() b "
                   "ON b.from_at = a.to_at"),
            scalar("SELECT count(*) FROM logs_partitions()") - 1);
}

TEST_F(partitions, expired_chunks_are_removed_whole_and_recorded) {
  auto p = make_policy(seconds(2));
  ASSERT_TRUE(cover(c_, p, now_epoch_ms() + 30'000));
  insert("a", 1, 500, "1 hour");  // the legacy partition
  insert("b", 1, 100, "1 hour");
  // A 1 s partition ten seconds ahead: it cannot expire while the legacy one goes, however slow
  // the machine (the rows' own time is their ingest time).
  insert("a", 501, 600, "-10 s");
  insert("b", 101, 120, "-10 s");
  ASSERT_TRUE(drop_until(p, "SELECT count(*) FROM logs_partitions() WHERE from_at IS NULL", 0));
  EXPECT_EQ(scalar("SELECT count(*) FROM logs_partitions() WHERE name = 'logs_legacy'"), 0);
  EXPECT_EQ(scalar("SELECT expired_till FROM logs_expired WHERE service = 'a'"), 500);
  EXPECT_EQ(scalar("SELECT expired_till FROM logs_expired WHERE service = 'b'"), 100);
  EXPECT_EQ(scalar("SELECT count(*) FROM logs_chunk_drops"), 0);
  EXPECT_EQ(scalar("SELECT (expired_before IS NOT NULL)::int FROM logs_retention"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_class WHERE relname = 'logs_legacy'"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM logs WHERE service = 'a'"), 100);
  // The ts zones (migration 0010) of the removed rows' minute went with them; the newer rows'
  // stayed.
  EXPECT_EQ(scalar("SELECT count(*) FROM logs_ts_zones WHERE minute < now() - interval '30 min'"),
            0);
  EXPECT_GE(scalar("SELECT count(*) FROM logs_ts_zones WHERE minute > now() - interval '5 min'"),
            1);

  // Twelve seconds on, the newer rows' chunk goes too; the partitions ahead stay.
  ASSERT_TRUE(drop_until(p, "SELECT count(*) FROM logs", 0));
  EXPECT_EQ(scalar("SELECT expired_till FROM logs_expired WHERE service = 'a'"), 600);
  EXPECT_EQ(scalar("SELECT expired_till FROM logs_expired WHERE service = 'b'"), 120);
  EXPECT_GE(scalar("SELECT count(*) FROM logs_partitions() WHERE to_at > now()"), 10);
}

TEST_F(partitions, keeping_everything_removes_nothing) {
  insert("a", 1, 10, "1 hour");
  auto r = drop_expired(c_, make_policy(seconds(0)));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->chunks, 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM logs"), 10);
}

// A process that died after beginning a removal (expired_before moved, the partition detached
// or half-detached) leaves a row in logs_chunk_drops; the next pass, of any process and any
// policy, finishes it.
TEST_F(partitions, a_removal_cut_short_is_finished_by_the_next_pass) {
  ASSERT_TRUE(cover(c_, make_policy(seconds(0)), now_epoch_ms() + 60'000));
  insert("a", 1, 50, "1 hour");
  exec(
      "INSERT INTO logs_chunk_drops (name, to_at) SELECT name, to_at FROM logs_partitions() "
      "WHERE name = 'logs_legacy'");
  exec("ALTER TABLE logs DETACH PARTITION logs_legacy CONCURRENTLY");
  EXPECT_EQ(scalar("SELECT count(*) FROM logs"), 0);
  auto r = drop_expired(c_, make_policy(seconds(0)));
  ASSERT_TRUE(r) << c_.last_error();
  EXPECT_EQ(r->chunks, 1);
  EXPECT_EQ(scalar("SELECT expired_till FROM logs_expired WHERE service = 'a'"), 50);
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_class WHERE relname = 'logs_legacy'"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM logs_chunk_drops"), 0);
}

}  // namespace
}  // namespace tracehub::retention
