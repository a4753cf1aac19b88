// The ACK state audited against Postgres (docs/PROTOCOL.md, "Audit"). Regression: a queue entry
// deleted by hand (or lost with Redis' last second) took its ACKed seqs with it while
// /services went on reporting the service contiguous with nothing missing or lost.
// Every test ends by accounting for every ACKed seq: stored once, or reported lost by seq.
#include <gtest/gtest.h>

#include <cstdlib>

#include <boost/json.hpp>

#include "backend/keyspace/keys.h"
#include "backend/pg/connection.h"
#include "backend/testing/backend_process.h"
#include "backend/testing/pg_database.h"
#include "backend/testing/pipeline.h"
#include "backend/testing/redis_db.h"

namespace tracehub {
namespace {

namespace json = boost::json;
using testing::seq_span;

class audit_e2e : public ::testing::Test {
 protected:
  testing::backend_options opts(std::string role) {
    testing::backend_options o{db_.url(), redis_.url()};
    o.role = std::move(role);
    o.env = {{"TRACEHUB_AUDIT_INTERVAL_MS", "0"}, {"TRACEHUB_REPLAY_DEADLINE_MS", "600000"}};
    return o;
  }
  std::int64_t scalar(const std::string& query) {
    auto c = pg::connection::open(db_.url());
    if (!c) return -1;
    auto r = c->query(query);
    if (!r || r->size() != 1) return -1;
    return r->get_int(0, 0);
  }
  void sql(const std::string& statement) {
    auto c = pg::connection::open(db_.url());
    ASSERT_TRUE(c);
    ASSERT_TRUE(c->exec(statement)) << statement << ": " << c->last_error();
  }
  void post_ok(testing::http_client& c, const std::string& service, std::int64_t lo,
               std::int64_t hi) {
    auto a = testing::post_batch(c, service, seq_span(lo, hi));
    ASSERT_EQ(a.status, 200u) << json::serialize(a.body);
  }
  // POST /audit; the report.
  json::object audit(testing::http_client& c) {
    auto r = c.post("/audit", "{\"waitMs\":20000}");
    EXPECT_EQ(r.status, 200u) << r.body;
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    if (ec || !v.is_object()) return {};
    return v.as_object();
  }
  // The holes the report gives for `service`, as [from, to] pairs.
  static std::vector<std::pair<std::int64_t, std::int64_t>> holes(const json::object& report,
                                                                  std::string_view service) {
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    for (const auto& s : report.at("services").as_array())
      if (s.as_object().at("service").as_string() == service)
        for (const auto& h : s.as_object().at("holes").as_array())
          out.emplace_back(h.as_object().at("from").as_int64(), h.as_object().at("to").as_int64());
    return out;
  }
  bool drained() {
    return redis_.integer({"XLEN", "queue:logs"}) == 0 &&
           redis_.integer({"XLEN", "queue:retry"}) == 0;
  }
  // Deletes the queue entry of `service` whose rows start at seq `first`, as an operator might.
  void delete_entry(const std::string& service, std::int64_t first) {
    auto conn = redis_.connect();
    auto r = conn.command({"XRANGE", "queue:logs", "-", "+"});
    ASSERT_TRUE(r && r->view().is_array());
    std::string prefix = std::to_string(first) + "\t";
    for (std::size_t i = 0; i < r->view().size(); ++i) {
      auto e = r->view()[i];
      auto fields = e[1];
      std::string svc, rows;
      for (std::size_t f = 0; f + 1 < fields.size(); f += 2) {
        if (fields[f].str() == "svc") svc = fields[f + 1].str();
        if (fields[f].str() == "rows") rows = fields[f + 1].str();
      }
      if (svc == service && rows.find(prefix) != std::string::npos) {
        auto d = conn.command({"XDEL", "queue:logs", e[0].str()});
        ASSERT_TRUE(d && d->view().integer() == 1);
        return;
      }
    }
    FAIL() << "no queue entry of " << service << " holds seq " << first;
  }
  // Every seq 1..till of `service`: stored exactly once, or inside a lost range (reason
  // `reason`), never both; `lost` seqs in all.
  void expect_accounted(const std::string& service, std::int64_t till, std::int64_t lost,
                        const std::string& reason) {
    auto c = testing::count_rows(db_.url(), service);
    EXPECT_EQ(c.rows, c.distinct_seqs) << service << ": duplicates";
    EXPECT_EQ(c.rows + lost, till) << service;
    EXPECT_EQ(scalar("SELECT coalesce(sum(to_seq - from_seq + 1), 0) FROM lost_seqs WHERE "
                     "service = '" +
                     service + "' AND reason = '" + reason + "'"),
              lost);
    EXPECT_EQ(scalar("SELECT count(*) FROM logs l JOIN lost_seqs x ON x.service = l.service AND "
                     "l.seq BETWEEN x.from_seq AND x.to_seq WHERE l.service = '" +
                     service + "'"),
              0)
        << service << ": a seq reported lost is also stored";
  }

  testing::pg_database db_ = testing::pg_database::create();
  testing::redis_db redis_;
};

TEST_F(audit_e2e, a_queue_entry_deleted_by_hand_is_reported_lost_with_reason_audit) {
  // The API alone: entries wait in the queue until a worker process starts.
  auto api = testing::backend_process::start(opts("api"));
  testing::http_client c(api.port());
  post_ok(c, "pay", 1, 100);
  post_ok(c, "pay", 101, 200);
  post_ok(c, "auth", 1, 50);
  delete_entry("pay", 101);
  auto worker = testing::backend_process::start(opts("worker"));
  ASSERT_TRUE(testing::eventually([&] { return drained(); }));
  ASSERT_TRUE(testing::eventually(
      [&] { return testing::count_rows(db_.url()).rows == 150; }));  // committed, then XDEL'd

  // Before the audit nothing says anything is wrong; after it, 101-200 are lost, by seq.
  auto report = audit(c);
  EXPECT_EQ(holes(report, "pay"), (std::vector<std::pair<std::int64_t, std::int64_t>>{{101, 200}}))
      << json::serialize(report);
  EXPECT_TRUE(holes(report, "auth").empty()) << json::serialize(report);
  EXPECT_EQ(report.at("lost").as_int64(), 100);

  auto lost = json::parse(c.get("/lost?service=pay").body).as_object();
  ASSERT_EQ(lost.at("items").as_array().size(), 1u) << json::serialize(lost);
  const auto& item = lost.at("items").as_array()[0].as_object();
  EXPECT_EQ(item.at("from").as_int64(), 101);
  EXPECT_EQ(item.at("to").as_int64(), 200);
  EXPECT_EQ(item.at("reason").as_string(), "audit");
  EXPECT_EQ(redis_.integer({"ZCARD", keyspace::lost("pay")}), 1)
      << "lost:{pay} holds the range too";
  EXPECT_TRUE(testing::eventually([&] {
    auto m = json::parse(c.get("/metrics").body).as_object();
    return m.at("lost").as_int64() == 100;
  })) << "SystemMetrics.lost counts it";

  // Again: nothing new, nothing recorded twice.
  report = audit(c);
  EXPECT_EQ(report.at("lost").as_int64(), 0) << json::serialize(report);
  EXPECT_EQ(scalar("SELECT count(*) FROM lost_seqs"), 1);

  // New rows are checked from where the last round stopped, not from seq 1.
  post_ok(c, "pay", 201, 300);
  ASSERT_TRUE(
      testing::eventually([&] { return testing::count_rows(db_.url(), "pay").rows == 200; }));
  report = audit(c);
  EXPECT_EQ(report.at("lost").as_int64(), 0) << json::serialize(report);
  for (const auto& s : report.at("services").as_array()) {
    if (s.as_object().at("service").as_string() == "pay") {
      EXPECT_EQ(s.as_object().at("checked").as_int64(), 100) << json::serialize(report);
    }
  }

  // Admin only: JSON, and nothing but waitMs.
  EXPECT_EQ(c.post("/audit", "{}", "text/plain").status, 415u);
  EXPECT_EQ(c.post("/audit", "{\"waitMs\":-1}").status, 400u);
  EXPECT_EQ(c.post("/audit", "{\"other\":1}").status, 400u);
  EXPECT_EQ(c.post("/audit", "[").status, 400u);

  expect_accounted("pay", 300, 100, "audit");
  expect_accounted("auth", 50, 0, "audit");
}

TEST_F(audit_e2e, holes_beside_a_gap_a_dead_letter_and_a_crashed_worker) {
  auto api = testing::backend_process::start(opts("api"));
  testing::http_client c(api.port());
  {
    auto warm = testing::backend_process::start(opts("worker"));  // runs the migrations' data path
    post_ok(c, "warm", 1, 1);
    ASSERT_TRUE(testing::eventually([&] { return testing::count_rows(db_.url()).rows == 1; }));
  }
  sql("ALTER TABLE logs ADD CONSTRAINT no_poison CHECK (message <> 'poison')");
  // seq 5 is refused by Postgres (dead letter); 11-14 are missing (a gap, replay pending: the
  // producer buffer is empty and the replay deadline far away); the entry holding 21-30 is
  // deleted by hand.
  auto poison = testing::post_raw(
      c, "{\"service\":\"a\",\"batch\":[{\"seq\":5,\"level\":\"info\",\"message\":\"poison\"}]}");
  ASSERT_EQ(poison.status, 200u);
  post_ok(c, "a", 1, 4);
  post_ok(c, "a", 6, 10);
  post_ok(c, "a", 15, 20);
  post_ok(c, "a", 21, 30);
  post_ok(c, "a", 31, 40);
  delete_entry("a", 21);
  {
    // A worker that crashes with entries pending; the next one (another name) claims them.
    auto w = testing::backend_process::start(opts("worker"));
    ASSERT_TRUE(testing::eventually([&] { return testing::count_rows(db_.url(), "a").rows > 0; }));
    w.kill9();
  }
  auto o = opts("worker");
  o.consumer = "second";
  o.env.emplace_back("TRACEHUB_CLAIM_IDLE_MS", "500");
  auto worker = testing::backend_process::start(o);
  ASSERT_TRUE(testing::eventually([&] { return drained(); }));
  ASSERT_TRUE(testing::eventually([&] {
    return scalar("SELECT count(*) FROM dead_letters WHERE service = 'a'") == 1 &&
           testing::count_rows(db_.url(), "a").rows == 4 + 5 + 6 + 10;
  }));

  // The gap is not a hole (it is missing, and its replay is pending); the dead letter is
  // reported already; the deleted entry is.
  auto report = audit(c);
  EXPECT_EQ(holes(report, "a"), (std::vector<std::pair<std::int64_t, std::int64_t>>{{21, 30}}))
      << json::serialize(report);

  // The producer closes the gap itself: the next round checks the range it skipped.
  post_ok(c, "a", 11, 14);
  ASSERT_TRUE(testing::eventually(
      [&] { return testing::count_rows(db_.url(), "a").rows == 4 + 5 + 4 + 6 + 10; }));
  sql("UPDATE replay_requests SET status = 'completed', updated_at = now() - interval '1 hour'");
  report = audit(c);
  EXPECT_EQ(report.at("lost").as_int64(), 0) << json::serialize(report);
  EXPECT_EQ(redis_.integer({"ZCARD", "audit-recheck:{a}"}), 0) << "nothing left to recheck";

  // 40 seqs ACKed: 29 stored, 1 dead-lettered, 10 lost (audit); none twice.
  auto rows = testing::count_rows(db_.url(), "a");
  EXPECT_EQ(rows.rows, rows.distinct_seqs);
  EXPECT_EQ(rows.rows + 1 + 10, 40);
  expect_accounted("a", 40 - 1, 10, "audit");
}

// The cost grows with the ranges and the holes, not the rows. TRACEHUB_AUDIT_TEST_ROWS sets
// the size (RELIABILITY.md has the 10 M figure).
TEST_F(audit_e2e, a_million_rows_cost_a_few_queries) {
  std::int64_t n = 1'000'000;
  if (const char* e = std::getenv("TRACEHUB_AUDIT_TEST_ROWS")) n = std::atoll(e);
  auto api = testing::backend_process::start(opts("api"));
  testing::http_client c(api.port());
  post_ok(c, "big", 1, 1);  // creates the service's ACK state
  auto worker = testing::backend_process::start(opts("worker"));
  ASSERT_TRUE(testing::eventually([&] { return testing::count_rows(db_.url(), "big").rows == 1; }));
  const auto a = n / 2, b = n * 7 / 9;
  sql("INSERT INTO logs (service, seq, level, message, ts) SELECT 'big', s, 'info', 'm', now() "
      "FROM generate_series(2, " +
      std::to_string(n) + ") s WHERE s <> " + std::to_string(a) + " AND s NOT BETWEEN " +
      std::to_string(b) + " AND " + std::to_string(b + 2));
  auto conn = redis_.connect();
  ASSERT_TRUE(
      conn.command({"HSET", keyspace::ack("big"), keyspace::ack_field::till, std::to_string(n)}));
  auto report = audit(c);
  EXPECT_EQ(holes(report, "big"),
            (std::vector<std::pair<std::int64_t, std::int64_t>>{{a, a}, {b, b + 2}}))
      << json::serialize(report);
  std::printf("audit of %lld rows: %lld ms, %lld queries\n", static_cast<long long>(n),
              static_cast<long long>(report.at("durationMs").as_int64()),
              static_cast<long long>(report.at("queries").as_int64()));
  EXPECT_LT(report.at("queries").as_int64(), 200);
}

}  // namespace
}  // namespace tracehub
