// POST /ingest against the real backend binary, a real Redis and a real Postgres: the ACK
// semantics of "ACK" (docs/PROTOCOL.md) and the refusals of "Ingest", each of which must change
// nothing.
#include <gtest/gtest.h>

#include <cstdio>

#include <algorithm>
#include <random>
#include <thread>

#include "backend/keyspace/keys.h"
#include "backend/testing/backend_process.h"
#include "backend/testing/env.h"
#include "backend/testing/pg_database.h"
#include "backend/testing/pipeline.h"
#include "backend/testing/redis_db.h"

namespace tracehub {
namespace {

namespace json = boost::json;
using testing::ack;
using testing::post_batch;
using testing::seq_span;

class ingest_e2e : public ::testing::Test {
 protected:
  void SetUp() override { backend_.emplace(testing::backend_process::start(options())); }

  testing::backend_options options() const { return {db_.url(), redis_.url()}; }
  testing::http_client& client() {
    if (!client_) client_.emplace(backend_->port());
    return *client_;
  }
  void restart_backend() {
    client_.reset();
    backend_->kill9();
    backend_.emplace(testing::backend_process::start(options()));
  }
  // A field of the service's ACK state hash (0 when absent). `ver` is bumped by every
  // accepted batch, so an unchanged `ver` shows a refused batch changed nothing.
  long long ack_field(const std::string& service, std::string_view field) {
    auto c = redis_.connect();
    auto r = c.command({"HGET", keyspace::ack(service), field});
    if (!r || r->view().is_nil()) return 0;
    return std::stoll(std::string(r->view().str()));
  }
  long long ack_till(const std::string& service) {
    return ack_field(service, keyspace::ack_field::till);
  }
  long long state_version(const std::string& service) {
    return ack_field(service, keyspace::ack_field::version);
  }
  // Entries ever appended to queue:logs (the worker deletes consumed ones, so not XLEN).
  long long entries_added() {
    auto c = redis_.connect();
    auto r = c.command({"XINFO", "STREAM", "queue:logs"});
    if (!r || !r->view().is_array()) return -1;
    auto v = r->view();
    for (std::size_t i = 0; i + 1 < v.size(); i += 2)
      if (v[i].str() == "entries-added") return v[i + 1].integer();
    return -1;
  }

  testing::pg_database db_ = testing::pg_database::create();
  testing::redis_db redis_;
  std::optional<testing::backend_process> backend_;
  std::optional<testing::http_client> client_;
};

TEST_F(ingest_e2e, seed_example_is_acknowledged_and_stored) {
  auto a = testing::post_raw(client(), R"({"service":"payment-service","batch":[
      {"seq":1,"level":"info","message":"hello"},{"seq":2,"level":"error","message":"oops"}]})");
  ASSERT_EQ(a.status, 200u);
  EXPECT_EQ(a.num("ackTill"), 2);
  EXPECT_TRUE(a.missing().empty());
  EXPECT_EQ(a.body.at("status").as_string(), "ok");
  EXPECT_EQ(a.body.at("replay").at("queued").to_number<int>(), 0);
  EXPECT_EQ(a.num("accepted"), 2);
  EXPECT_EQ(a.num("duplicates"), 0);
  EXPECT_EQ(a.num("contiguousTill"), 2);
  EXPECT_EQ(a.num("missingTotal"), 0);
  EXPECT_TRUE(a.body.at("batchId").as_string().starts_with("ack_"));
  ASSERT_TRUE(testing::eventually([&] { return testing::count_rows(db_.url()).rows == 2; }));
}

TEST_F(ingest_e2e, gaps_are_listed_exactly_and_fill_out_of_order) {
  auto a = post_batch(client(), "svc", {1, 2, 3, 7, 9});
  ASSERT_EQ(a.status, 200u);
  EXPECT_EQ(a.missing(), (std::vector<std::int64_t>{4, 5, 6, 8}));
  EXPECT_EQ(a.body.at("status").as_string(), "partial");
  EXPECT_EQ(a.body.at("replay").at("queued").to_number<int>(), 2);  // 4-6 and 8
  EXPECT_EQ(a.num("contiguousTill"), 3);
  EXPECT_EQ(a.num("missingTotal"), 4);

  a = post_batch(client(), "svc", {8, 5, 12});  // fills two, opens 10-11
  ASSERT_EQ(a.status, 200u);
  EXPECT_EQ(a.missing(), (std::vector<std::int64_t>{4, 6, 10, 11}));
  EXPECT_EQ(a.num("ackTill"), 12);
  EXPECT_EQ(a.num("accepted"), 3);
  EXPECT_EQ(a.body.at("replay").at("queued").to_number<int>(), 1);

  a = post_batch(client(), "svc", {4, 6, 10, 11});
  EXPECT_TRUE(a.missing().empty());
  EXPECT_EQ(a.num("contiguousTill"), 12);
  EXPECT_EQ(a.body.at("status").as_string(), "ok");

  ASSERT_TRUE(testing::eventually([&] {
    auto n = testing::count_rows(db_.url(), "svc");
    return n.rows == 12 && n.distinct_seqs == 12 && n.max_seq == 12;
  }));
  // Every new gap became one replay request: pending, or already completed by the replay
  // worker, which finds the producer closed it (both happen; a slow build sees the second).
  auto c = db_.connect();
  auto r = c.query(
      "SELECT string_agg(from_seq || '-' || to_seq, ',' ORDER BY from_seq) FROM replay_requests "
      "WHERE service = 'svc' AND status IN ('pending', 'completed') AND source = 'auto'");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get(0, 0), "4-6,8-8,10-11");
}

TEST_F(ingest_e2e, duplicates_inside_and_across_batches_are_counted_not_stored) {
  ASSERT_EQ(post_batch(client(), "dup", seq_span(1, 5)).num("accepted"), 5);
  auto a = post_batch(client(), "dup", {3, 4, 4, 6, 6, 7});
  EXPECT_EQ(a.num("accepted"), 2);    // 6, 7
  EXPECT_EQ(a.num("duplicates"), 4);  // 3 and 4 held; a second 4 and a second 6 in the batch
  a = post_batch(client(), "dup", seq_span(1, 7));
  EXPECT_EQ(a.num("accepted"), 0);
  EXPECT_EQ(a.num("duplicates"), 7);
  EXPECT_EQ(a.num("ackTill"), 7);
  ASSERT_TRUE(testing::eventually([&] { return testing::count_rows(db_.url(), "dup").rows == 7; }));
  EXPECT_EQ(testing::count_rows(db_.url(), "dup").distinct_seqs, 7);
}

// Producer ids (docs/PROTOCOL.md, "Producer ids"). Regression: a producer that lost its counter
// and started again at seq 1 had its new logs counted as duplicates of the old ones, trimmed
// them from its buffer, and they were never stored, with nothing said anywhere.
TEST_F(ingest_e2e, a_producer_id_that_does_not_own_the_seqs_is_refused_and_changes_nothing) {
  auto body = [](const char* id, std::int64_t lo, std::int64_t hi) {
    std::string b = R"({"service":"pid","producerId":")" + std::string(id) + R"(","batch":[)";
    for (auto s = lo; s <= hi; ++s)
      b += std::string(s > lo ? "," : "") + R"({"seq":)" + std::to_string(s) +
           R"(,"level":"info","message":"m-)" + std::string(id) + "\"}";
    return b + "]}";
  };
  // A's space, 1..10; B (A's successor that lost the counter) starts again at 1: refused.
  ASSERT_EQ(testing::post_raw(client(), body("A", 1, 10)).status, 200u);
  auto ver = state_version("pid");
  auto added = entries_added();
  auto r = testing::post_raw(client(), body("B", 1, 5));
  EXPECT_EQ(r.status, 409u) << json::serialize(r.body);
  EXPECT_EQ(r.body["error"], "sequence_reused");
  EXPECT_EQ(r.body["ackTill"], 10);
  EXPECT_EQ(state_version("pid"), ver) << "the ACK state is unchanged";
  EXPECT_EQ(entries_added(), added) << "nothing was queued";
  EXPECT_EQ(ack_field("pid", keyspace::ack_field::reused), 1);
  // One seq already held is enough: the whole batch is refused.
  EXPECT_EQ(testing::post_raw(client(), body("B", 10, 12)).status, 409u);
  // Renumbered after ackTill, B takes the space over; A's seqs stay A's.
  ASSERT_EQ(testing::post_raw(client(), body("B", 11, 15)).status, 200u);
  EXPECT_EQ(testing::post_raw(client(), body("B", 9, 9)).status, 409u) << "A's seq, not B's";
  auto retry = testing::post_raw(client(), body("B", 12, 16));  // its own: a plain retry
  EXPECT_EQ(retry.status, 200u);
  EXPECT_EQ(retry.num("duplicates"), 4);
  // A, still running, is now the one refused for seqs at or below ackTill.
  EXPECT_EQ(testing::post_raw(client(), body("A", 5, 5)).status, 409u);
  // Batches without an id are not checked (and the replay worker sends none).
  EXPECT_EQ(post_batch(client(), "pid", {3}).num("duplicates"), 1);
  EXPECT_EQ(ack_field("pid", keyspace::ack_field::reused), 4);
  ASSERT_TRUE(
      testing::eventually([&] { return testing::count_rows(db_.url(), "pid").rows == 16; }));
  auto rows = testing::count_rows(db_.url(), "pid");
  EXPECT_EQ(rows.distinct_seqs, 16);
  EXPECT_EQ(rows.max_seq, 16);
  // Reported: per service in /metrics, and to Prometheus.
  EXPECT_TRUE(testing::eventually([&] {
    auto m = client().get("/metrics");
    return m.body.find("\"sequenceReused\":4") != std::string::npos;
  })) << client().get("/metrics").body;
  EXPECT_NE(client()
                .get("/metrics/prometheus")
                .body.find("tracehub_sequence_reused_total{service=\"pid\"} 4"),
            std::string::npos);
}

TEST_F(ingest_e2e, missing_lists_the_first_10000_and_counts_all) {
  auto a = post_batch(client(), "wide", {1, 25'002});
  ASSERT_EQ(a.status, 200u);
  EXPECT_EQ(a.num("missingTotal"), 25'000);
  auto m = a.missing();
  ASSERT_EQ(m.size(), 10'000u);
  EXPECT_EQ(m.front(), 2);
  EXPECT_EQ(m.back(), 10'001);
}

// Eight connections post interleaved seqs of one service in shuffled batches: the ACK state
// must end as the exact union, each seq accepted exactly once across all ACKs.
TEST_F(ingest_e2e, concurrent_batches_for_one_service_give_the_exact_union) {
  constexpr int threads = 8, per_thread = 1000, batch = 50;
  std::atomic<std::int64_t> accepted{0}, duplicates{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      testing::http_client c(backend_->port());
      std::vector<std::int64_t> mine;
      for (int k = 0; k < per_thread; ++k)
        mine.push_back(1 + t + std::int64_t{k} * threads);
      std::shuffle(mine.begin(), mine.end(), std::mt19937(t));
      for (std::size_t i = 0; i < mine.size(); i += batch) {
        std::vector<std::int64_t> part(mine.begin() + i, mine.begin() + i + batch);
        part.push_back(mine[(i + 7) % mine.size()]);  // and one repeat of its own
        auto a = post_batch(c, "race", part);
        if (a.status != 200) ++failures;
        accepted += a.num("accepted");
        duplicates += a.num("duplicates");
      }
    });
  for (auto& th : pool)
    th.join();
  ASSERT_EQ(failures, 0);
  constexpr std::int64_t total = threads * per_thread;
  EXPECT_EQ(accepted, total);
  EXPECT_EQ(duplicates, threads * (per_thread / batch));
  auto a = post_batch(client(), "race", {1});
  EXPECT_EQ(a.num("ackTill"), total);
  EXPECT_TRUE(a.missing().empty());
  EXPECT_EQ(a.num("contiguousTill"), total);
  ASSERT_TRUE(testing::eventually([&] {
    auto n = testing::count_rows(db_.url(), "race");
    return n.rows == total && n.distinct_seqs == total && n.max_seq == total;
  }));
}

TEST_F(ingest_e2e, ack_state_survives_a_backend_kill) {
  ASSERT_EQ(post_batch(client(), "keep", {1, 2, 5, 9}).status, 200u);
  restart_backend();
  auto a = post_batch(client(), "keep", {3, 10});
  ASSERT_EQ(a.status, 200u);
  EXPECT_EQ(a.missing(), (std::vector<std::int64_t>{4, 6, 7, 8}));
  EXPECT_EQ(a.num("ackTill"), 10);
  EXPECT_EQ(a.num("accepted"), 2);
  EXPECT_EQ(post_batch(client(), "keep", {1, 2}).num("duplicates"), 2);
}

TEST_F(ingest_e2e, max_gap_boundary) {
  ASSERT_EQ(post_batch(client(), "gap", {1}).status, 200u);
  auto before = entries_added();
  auto version = state_version("gap");
  auto a = post_batch(client(), "gap", {2, 3, 100'002});
  EXPECT_EQ(a.status, 422u);
  EXPECT_EQ(a.body.at("error").as_string(), "seq_beyond_max_gap");
  EXPECT_EQ(a.body.at("index").to_number<int>(), 2);
  EXPECT_EQ(entries_added(), before);
  EXPECT_EQ(state_version("gap"), version);
  EXPECT_EQ(ack_till("gap"), 1);
  a = post_batch(client(), "gap", {100'001});  // exactly ackTill + maxGap
  EXPECT_EQ(a.status, 200u);
  EXPECT_EQ(a.num("missingTotal"), 99'999);
}

// Each refusal: its status and code, and nothing changed in Redis.
TEST_F(ingest_e2e, bad_input_is_refused_and_changes_nothing) {
  ASSERT_EQ(post_batch(client(), "bad", {1}).status, 200u);
  auto before = entries_added();
  auto version = state_version("bad");
  ASSERT_GT(before, 0);
  auto good = testing::batch_body("bad", {2});
  struct refusal {
    std::string body;
    std::string content_type;
    unsigned status;
    std::string code;
  };
  std::string big_message(9 * 1024 * 1024, 'x');
  std::vector<std::int64_t> many = seq_span(2, 10'002);
  std::string nul = good;
  nul.insert(nul.find("m-2"), 1, '\0');
  std::string bad_utf8 = good;
  bad_utf8.replace(bad_utf8.find("m-2"), 3, "\xc3\x28");
  std::vector<refusal> cases = {
      {good, "text/plain", 415, "unsupported_media_type"},
      {good, "", 415, "unsupported_media_type"},
      {R"({"service":"bad","batch":[{"seq":2,"level":"info","message":")" + big_message + "\"}]}",
       "application/json", 413, "body_too_large"},
      {testing::batch_body("bad", many), "application/json", 413, "too_many_entries"},
      {R"({"service":"bad","batch":[{"seq":2,)", "application/json", 400, "malformed_json"},
      {nul, "application/json", 400, "nul_byte"},
      {bad_utf8, "application/json; charset=utf-8", 400, "invalid_utf8"},
      {R"({"service":"bad","batch":[{"seq":2,"level":"info","message":"a\u0000"}]})",
       "application/json", 400, "nul_byte"},
      {R"({"service":"bad","batch":[{"seq":"2","level":"info","message":""}]})", "application/json",
       400, "invalid_field"},
      {R"({"service":"Bad!","batch":[{"seq":2,"level":"info","message":""}]})", "application/json",
       400, "invalid_field"},
      {R"({"service":"bad","batch":[{"seq":2,"level":"info","message":""},{"seq":3}]})",
       "application/json", 400, "missing_field"},
  };
  for (const auto& c : cases) {
    auto a = testing::post_raw(client(), c.body, c.content_type);
    EXPECT_EQ(a.status, c.status) << c.code;
    ASSERT_TRUE(a.body.contains("error")) << c.code;
    EXPECT_EQ(a.body.at("error").as_string(), c.code);
    EXPECT_FALSE(a.body.at("detail").as_string().empty());
    EXPECT_TRUE(a.body.contains("index"));
  }
  EXPECT_EQ(entries_added(), before);
  EXPECT_EQ(state_version("bad"), version);
  EXPECT_EQ(ack_till("bad"), 1);
  // The server still serves and the next good batch is seq 2 with no gap.
  auto a = post_batch(client(), "bad", {2});
  EXPECT_EQ(a.status, 200u);
  EXPECT_EQ(a.num("accepted"), 1);
  EXPECT_TRUE(a.missing().empty());
}

// Memory has a budget in bytes, not only in entries: with the worker away, batches queue up
// until queue:logs + queue:retry hold --queue-max-bytes, then ingest answers 503 queue_full with
// Retry-After, and a refused batch changes nothing (no entry, no ACK state).
TEST_F(ingest_e2e, queue_byte_budget_refuses_with_retry_after_and_changes_nothing) {
  client_.reset();
  backend_.reset();
  auto o = options();
  o.role = "api";  // no worker: the queue only grows
  o.env = {{"TRACEHUB_QUEUE_MAX_BYTES", "262144"}};
  backend_.emplace(testing::backend_process::start(o));
  std::int64_t next = 1;
  testing::ack refused;
  for (int i = 0; i < 200; ++i) {
    auto a = post_batch(client(), "budget", seq_span(next, next + 99));
    if (a.status != 200) {
      refused = a;
      break;
    }
    next += 100;
  }
  ASSERT_EQ(refused.status, 503u) << "the budget was never reached";
  EXPECT_EQ(refused.body.at("error").as_string(), "queue_full");
  EXPECT_GT(next, 101) << "some batches fit the budget";
  auto added = entries_added();
  auto version = state_version("budget");
  auto again = post_batch(client(), "budget", seq_span(next, next + 99));
  EXPECT_EQ(again.status, 503u);
  EXPECT_EQ(entries_added(), added);
  EXPECT_EQ(state_version("budget"), version);
  EXPECT_EQ(ack_till("budget"), next - 1);
  // Retry-After is sent (the test client hides headers: ask curl for them).
  std::string cmd = "curl -s -i -H 'content-type: application/json' --data-binary '" +
                    testing::batch_body("budget", {next}) +
                    "' http://127.0.0.1:" + std::to_string(backend_->port()) + "/ingest";
  std::string head;
  if (FILE* f = popen(cmd.c_str(), "r")) {
    char buf[4096];
    while (auto n = fread(buf, 1, sizeof buf, f))
      head.append(buf, n);
    ASSERT_EQ(pclose(f), 0) << "curl failed: " << cmd;
  }
  EXPECT_NE(head.find("HTTP/1.1 503"), std::string::npos) << head;
  EXPECT_NE(head.find("Retry-After: 1"), std::string::npos) << head;
}

// Redis itself at maxmemory (noeviction): the ACK script is refused whole, up front, so the
// batch is answered 503 and nothing of it is half-applied; below the limit again, ingest goes on.
TEST_F(ingest_e2e, redis_at_maxmemory_answers_503_and_half_applies_nothing) {
  ASSERT_EQ(post_batch(client(), "full", seq_span(1, 10)).status, 200u);
  auto c = redis_.connect();
  auto used = c.command({"MEMORY", "STATS"});
  ASSERT_TRUE(used);
  ASSERT_TRUE(c.command({"CONFIG", "SET", "maxmemory", "1"}));
  struct restore {
    redis::sync_connection& c;
    ~restore() { (void)c.command({"CONFIG", "SET", "maxmemory", "0"}); }
  } restore_maxmemory{c};
  auto added = entries_added();
  auto version = state_version("full");
  auto a = post_batch(client(), "full", seq_span(11, 20));
  EXPECT_EQ(a.status, 503u);
  ASSERT_TRUE(a.body.contains("error"));
  EXPECT_EQ(a.body.at("error").as_string(), "queue_full");
  EXPECT_NE(std::string(a.body.at("detail").as_string()).find("memory limit"), std::string::npos);
  EXPECT_EQ(entries_added(), added);
  EXPECT_EQ(state_version("full"), version);
  EXPECT_EQ(ack_till("full"), 10);
  ASSERT_TRUE(c.command({"CONFIG", "SET", "maxmemory", "0"}));
  EXPECT_EQ(post_batch(client(), "full", seq_span(11, 20)).status, 200u);
  EXPECT_EQ(ack_till("full"), 20);
}

// Redis killed with SIGKILL: ingest refuses (503, nothing acknowledged), /health names Redis,
// and after the restart every acknowledged seq and gap is still known (AOF) and the backend's
// connection has come back by itself.
TEST_F(ingest_e2e, redis_crash_refuses_batches_and_loses_no_acknowledged_state) {
  std::string kill = testing::require_env("TRACEHUB_TEST_REDIS_KILL");
  std::string start = testing::require_env("TRACEHUB_TEST_REDIS_START");
  ASSERT_EQ(post_batch(client(), "crash", {1, 2, 5}).status, 200u);
  ASSERT_EQ(std::system(kill.c_str()), 0);
  auto a = post_batch(client(), "crash", {3});
  EXPECT_EQ(a.status, 503u);
  EXPECT_EQ(a.body.at("error").as_string(), "unavailable");
  auto h = client().get("/health");
  EXPECT_EQ(h.status, 503u);
  EXPECT_NE(h.body.find(R"("redis":"down")"), std::string::npos) << h.body;
  EXPECT_NE(h.body.find(R"("postgres":"up")"), std::string::npos) << h.body;
  ASSERT_EQ(std::system(start.c_str()), 0);
  ASSERT_TRUE(testing::eventually([&] { return client().get("/health").status == 200; }));
  a = post_batch(client(), "crash", {3});
  ASSERT_EQ(a.status, 200u);
  EXPECT_EQ(a.num("accepted"), 1);
  EXPECT_EQ(a.missing(), (std::vector<std::int64_t>{4}));
  EXPECT_EQ(a.num("ackTill"), 5);
  ASSERT_TRUE(
      testing::eventually([&] { return testing::count_rows(db_.url(), "crash").rows == 4; }));
}

TEST_F(ingest_e2e, health_names_postgres_when_it_is_down) {
  std::string stop = testing::require_env("TRACEHUB_TEST_PG_STOP");
  std::string start = testing::require_env("TRACEHUB_TEST_PG_START");
  auto h = client().get("/health");
  EXPECT_EQ(h.status, 200u);
  EXPECT_EQ(h.body, R"({"status":"ok","postgres":"up","redis":"up"})");
  ASSERT_EQ(std::system(stop.c_str()), 0);
  h = client().get("/health");
  EXPECT_EQ(h.status, 503u);
  EXPECT_NE(h.body.find(R"("postgres":"down")"), std::string::npos) << h.body;
  // Ingest does not need Postgres: the batch is queued and acknowledged.
  EXPECT_EQ(post_batch(client(), "pgdown", {1}).status, 200u);
  ASSERT_EQ(std::system(start.c_str()), 0);
  ASSERT_TRUE(
      testing::eventually([&] { return testing::count_rows(db_.url(), "pgdown").rows == 1; }));
  EXPECT_EQ(client().get("/health").status, 200u);
}

}  // namespace
}  // namespace tracehub
