// A log Postgres refuses must never hold up anything else, and must be reported by seq
// (docs/PROTOCOL.md, "Dead letters"). Regression: one entry whose COPY failed went to
// queue:retry and was retried forever while the worker read nothing else, so every service
// stopped and nothing said which log did it.
//
// Ingest now refuses what the `logs` columns cannot store; what Postgres still refuses is made
// here the way an operator could: a CHECK constraint added to `logs`, or a column narrowed.
// Each test ends by counting every acknowledged seq: stored once, or dead-lettered, never both.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "backend/testing/backend_process.h"
#include "backend/testing/pg_database.h"
#include "backend/testing/pipeline.h"
#include "backend/testing/redis_db.h"

namespace tracehub {
namespace {

namespace json = boost::json;

std::string entry(std::int64_t seq, std::string_view message, std::string_view extra = "") {
  return "{\"seq\":" + std::to_string(seq) + ",\"level\":\"info\",\"message\":\"" +
         std::string(message) + "\"" + std::string(extra) + "}";
}

std::string body(std::string_view service, const std::vector<std::string>& entries) {
  std::string b = "{\"service\":\"" + std::string(service) + "\",\"batch\":[";
  for (std::size_t i = 0; i < entries.size(); ++i)
    b += (i ? "," : "") + entries[i];
  return b + "]}";
}

// seqs lo..hi with message "m-<seq>", except the seqs in `poison` whose message is "poison".
std::vector<std::string> entries(std::int64_t lo, std::int64_t hi,
                                 std::vector<std::int64_t> poison = {}) {
  std::vector<std::string> out;
  for (auto s = lo; s <= hi; ++s) {
    bool bad = std::find(poison.begin(), poison.end(), s) != poison.end();
    out.push_back(entry(s, bad ? "poison" : "m-" + std::to_string(s)));
  }
  return out;
}

class dead_letters : public ::testing::Test {
 protected:
  void sql(const std::string& statement) {
    auto c = pg::connection::open(db_.url());
    ASSERT_TRUE(c) << "connect";
    auto s = c->exec(statement);
    ASSERT_TRUE(s) << statement << ": " << c->last_error();
  }
  std::int64_t scalar(const std::string& query) {
    auto c = pg::connection::open(db_.url());
    if (!c) return -1;
    auto r = c->query(query);
    if (!r || r->size() != 1) return -1;
    return r->get_int(0, 0);
  }
  json::object get_json(testing::http_client& c, std::string_view target) {
    auto r = c.get(target);
    EXPECT_EQ(r.status, 200u) << target << ": " << r.body;
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    if (ec || !v.is_object()) return {};
    return v.as_object();
  }
  void post_ok(testing::http_client& c, std::string b) {
    auto a = testing::post_raw(c, std::move(b));
    ASSERT_EQ(a.status, 200u) << json::serialize(a.body);
  }
  // Every seq lo..hi of `service`: stored once, except `dead`, which are not stored at all.
  void expect_stored_except(const std::string& service, std::int64_t lo, std::int64_t hi,
                            std::int64_t dead) {
    auto c = testing::count_rows(db_.url(), service);
    EXPECT_EQ(c.rows, hi - lo + 1 - dead) << service;
    EXPECT_EQ(c.distinct_seqs, c.rows) << service;
  }

  testing::pg_database db_ = testing::pg_database::create();
  testing::redis_db redis_;
};

TEST_F(dead_letters, a_refused_row_is_dead_lettered_and_other_services_go_on) {
  auto backend = testing::backend_process::start({db_.url(), redis_.url()});
  testing::http_client c(backend.port());
  post_ok(c, body("warmup", entries(1, 1)));  // migrations ran, the worker is up
  ASSERT_TRUE(testing::eventually([&] { return testing::count_rows(db_.url()).rows == 1; }));
  sql("ALTER TABLE logs ADD CONSTRAINT no_poison CHECK (message <> 'poison')");

  post_ok(c, body("payment", entries(1, 100, {50})));
  post_ok(c, body("auth", entries(1, 10)));
  // The other service's log is stored within 2 s, as if nothing had happened.
  EXPECT_TRUE(testing::eventually([&] { return testing::count_rows(db_.url(), "auth").rows == 10; },
                                  std::chrono::seconds(2)));
  ASSERT_TRUE(testing::eventually(
      [&] { return scalar("SELECT count(*) FROM dead_letters WHERE service = 'payment'") == 1; }));
  expect_stored_except("payment", 1, 100, 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM logs WHERE service = 'payment' AND seq = 50"), 0);
  EXPECT_TRUE(testing::eventually([&] {
    return redis_.integer({"XLEN", "queue:logs"}) == 0 &&
           redis_.integer({"XLEN", "queue:retry"}) == 0;
  })) << "the entry is acknowledged once its good rows and its dead letter are committed";

  // Reported by seq, with Postgres' reason and the row as received.
  auto listed = get_json(c, "/dead-letters?service=payment");
  ASSERT_EQ(listed["items"].as_array().size(), 1u) << json::serialize(listed);
  const auto& d = listed["items"].as_array()[0].as_object();
  EXPECT_EQ(d.at("service").as_string(), "payment");
  EXPECT_EQ(d.at("seq").as_int64(), 50);
  EXPECT_NE(std::string(d.at("reason").as_string()).find("no_poison"), std::string::npos)
      << d.at("reason");
  EXPECT_EQ(d.at("entry").as_object().at("message").as_string(), "poison");
  EXPECT_EQ(d.at("attempts").as_int64(), 1);
  EXPECT_EQ(get_json(c, "/dead-letters?service=payment&seq=49")["items"].as_array().size(), 0u);
  EXPECT_EQ(c.get("/dead-letters?seq=x").status, 400u);
  EXPECT_EQ(c.get("/dead-letters?limit=0").status, 400u);

  // In the metrics, the service table and Prometheus.
  EXPECT_TRUE(testing::eventually([&] {
    auto m = get_json(c, "/metrics");
    return m.contains("deadLetters") && m["deadLetters"].as_int64() == 1;
  }));
  auto prom = c.get("/metrics/prometheus");
  EXPECT_NE(prom.body.find("tracehub_dead_letters_total{service=\"payment\"} 1"),
            std::string::npos);

  // A retry before the cause is fixed: refused again, one more attempt, still reported.
  auto again = c.post("/dead-letters/retry", R"({"service":"payment"})");
  EXPECT_EQ(again.status, 202u) << again.body;
  EXPECT_TRUE(testing::eventually([&] {
    return scalar("SELECT attempts FROM dead_letters WHERE service = 'payment' AND seq = 50") == 2;
  }));
  EXPECT_EQ(c.post("/dead-letters/retry", R"({"service":"Not A Service"})").status, 400u);
  EXPECT_EQ(c.post("/dead-letters/retry", R"({"bogus":1})").status, 400u);

  // The operator fixes the cause and retries: stored once, resolved, no longer reported.
  sql("ALTER TABLE logs DROP CONSTRAINT no_poison");
  EXPECT_EQ(c.post("/dead-letters/retry", R"({"service":"payment","seq":50})").status, 202u);
  ASSERT_TRUE(
      testing::eventually([&] { return testing::count_rows(db_.url(), "payment").rows == 100; }));
  expect_stored_except("payment", 1, 100, 0);
  EXPECT_TRUE(testing::eventually(
      [&] { return scalar("SELECT count(*) FROM dead_letters WHERE resolved_at IS NULL") == 0; }));
  EXPECT_EQ(get_json(c, "/dead-letters")["items"].as_array().size(), 0u);
  EXPECT_EQ(get_json(c, "/dead-letters?resolved=1")["items"].as_array().size(), 1u);
  // A repeated retry re-queues nothing and stores nothing twice.
  auto none = c.post("/dead-letters/retry", "{}");
  EXPECT_EQ(none.status, 202u);
  EXPECT_NE(none.body.find("\"requeued\":0"), std::string::npos) << none.body;
}

// A bad log in the middle of a backlog of many services: every good row is stored, each bad
// one is dead-lettered, and the backlog drains as fast as it would without them.
TEST_F(dead_letters, bad_rows_inside_a_backlog_are_isolated_one_by_one) {
  testing::backend_options api{db_.url(), redis_.url()};
  api.role = "api";
  auto ingest = testing::backend_process::start(api);
  testing::http_client c(ingest.port());
  {
    auto conn = pg::connection::open(db_.url());  // the api process ran the migrations
    ASSERT_TRUE(conn);
  }
  sql("ALTER TABLE logs ADD CONSTRAINT no_poison CHECK (message <> 'poison')");
  // Narrowed by hand: a request id over 8 characters now fails the COPY's type conversion.
  sql("ALTER TABLE logs ALTER COLUMN request_id TYPE varchar(8)");
  for (int b = 0; b < 40; ++b) {
    std::int64_t lo = b * 50 + 1, hi = lo + 49;
    post_ok(c, body("svc-a", entries(lo, hi,
                                     b % 4 == 0 ? std::vector<std::int64_t>{lo + 7}
                                                : std::vector<std::int64_t>{})));
    auto e = entries(lo, hi);
    if (b % 10 == 3) e[0] = entry(lo, "long", R"(,"requestId":"far-too-long-for-eight")");
    post_ok(c, body("svc-b", e));
  }
  EXPECT_GE(redis_.integer({"XLEN", "queue:logs"}), 80);

  testing::backend_options w{db_.url(), redis_.url()};
  w.role = "worker";
  auto worker = testing::backend_process::start(w);
  ASSERT_TRUE(testing::eventually([&] {
    return redis_.integer({"XLEN", "queue:logs"}) == 0 &&
           redis_.integer({"XLEN", "queue:retry"}) == 0;
  }));
  EXPECT_EQ(scalar("SELECT count(*) FROM dead_letters WHERE service = 'svc-a'"), 10);
  // Paged, newest first: 4 + 4 + 2, then the cursor ends; seq bounds narrow the list.
  testing::http_client q(ingest.port());
  std::size_t seen = 0;
  std::string cursor;
  for (int page = 0; page < 5; ++page) {
    auto p = get_json(q, "/dead-letters?service=svc-a&limit=4" + cursor);
    seen += p["items"].as_array().size();
    if (p["nextCursor"].is_null()) break;
    cursor = "&cursor=" + json::serialize(p["nextCursor"]);
  }
  EXPECT_EQ(seen, 10u);
  EXPECT_EQ(get_json(q, "/dead-letters?service=svc-a&from=1&to=500")["items"].as_array().size(),
            3u);
  EXPECT_EQ(scalar("SELECT count(*) FROM dead_letters WHERE service = 'svc-b'"), 4);
  EXPECT_EQ(scalar("SELECT count(*) FROM dead_letters WHERE service = 'svc-b' "
                   "AND reason LIKE '%too long%'"),
            4);
  expect_stored_except("svc-a", 1, 2000, 10);
  expect_stored_except("svc-b", 1, 2000, 4);
  // Stored or dead-lettered, never both.
  EXPECT_EQ(scalar("SELECT count(*) FROM dead_letters d JOIN logs l USING (service, seq)"), 0);
}

// The offsets of the original report (+16:00, -23:59: Postgres takes at most ±15:59) are read
// as the instants they name and stored; an instant outside the storable range is refused with
// the entry's index, and nothing of that batch is stored.
TEST_F(dead_letters, timestamps_postgres_cannot_take_never_reach_it) {
  auto backend = testing::backend_process::start({db_.url(), redis_.url()});
  testing::http_client c(backend.port());
  post_ok(c, body("ts", {entry(1, "a", R"(,"ts":"2026-12-01T00:00:00+16:00")"),
                         entry(2, "b", R"(,"ts":"2026-12-01T00:00:00-23:59")"),
                         entry(3, "c", R"(,"ts":"0001-01-01T00:00:00Z")"),
                         entry(4, "d", R"(,"ts":"9999-12-31T23:59:59.999999Z")")}));
  auto refused = testing::post_raw(
      c, body("ts", {entry(5, "e"), entry(6, "f", R"(,"ts":"9999-12-31T23:59:59-00:01")")}));
  EXPECT_EQ(refused.status, 400u);
  EXPECT_EQ(refused.body.at("index").as_int64(), 1);
  EXPECT_EQ(refused.body.at("error").as_string(), "invalid_field");
  ASSERT_TRUE(testing::eventually([&] { return testing::count_rows(db_.url(), "ts").rows == 4; }));
  EXPECT_EQ(scalar("SELECT count(*) FROM logs WHERE service = 'ts' AND "
                   "((seq = 1 AND ts = '2026-11-30T08:00:00Z') OR "
                   "(seq = 2 AND ts = '2026-12-01T23:59:00Z') OR "
                   "(seq = 3 AND ts = '0001-01-01T00:00:00Z') OR "
                   "(seq = 4 AND ts = '9999-12-31T23:59:59.999999Z'))"),
            4);
  EXPECT_EQ(scalar("SELECT count(*) FROM dead_letters"), 0);
}

}  // namespace
}  // namespace tracehub
