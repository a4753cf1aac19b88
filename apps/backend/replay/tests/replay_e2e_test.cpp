// Replay (docs/PROTOCOL.md, "Replay") against the real backend, Redis and Postgres: gaps filled
// from the producer's buffer, gaps closed by the producer itself, gaps nobody can fill reported
// lost by seq, and manual replays that are safe to repeat.
#include <gtest/gtest.h>

#include "backend/keyspace/keys.h"
#include "backend/testing/backend_process.h"
#include "backend/testing/pg_database.h"
#include "backend/testing/pipeline.h"
#include "backend/testing/redis_db.h"

namespace tracehub {
namespace {

using testing::post_batch;
using testing::seq_span;

class replay_e2e : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::backend_options o{db_.url(), redis_.url()};
    o.env = {{"TRACEHUB_REPLAY_DEADLINE_MS", "1500"}, {"TRACEHUB_ADMIN_TOKEN", token_}};
    backend_.emplace(testing::backend_process::start(o));
    client_.emplace(backend_->port());
    client_->set_header("Authorization", "Bearer " + token_);
  }

  // Puts entries into buffer:{service} as a producer would (member = the entry's JSON).
  void buffer(const std::string& service, const std::vector<std::int64_t>& seqs) {
    auto c = redis_.connect();
    for (auto s : seqs) {
      std::string member = R"({"seq":)" + std::to_string(s) +
                           R"(,"level":"warn","message":"from-buffer-)" + std::to_string(s) +
                           R"("})";
      auto r = c.command({"ZADD", keyspace::buffer(service), std::to_string(s), member});
      ASSERT_TRUE(r && !r->view().is_error());
    }
  }

  boost::json::array replays(const std::string& query) {
    auto r = client_->get("/replays" + query);
    EXPECT_EQ(r.status, 200u) << r.body;
    return boost::json::parse(r.body).as_array();
  }

  // Polls until every replay request of `service` has left `pending`.
  bool settled(const std::string& service) {
    return testing::eventually([&] {
      auto all = replays("?service=" + service);
      if (all.empty()) return false;
      for (const auto& r : all)
        if (r.at("status").as_string() == "pending") return false;
      return true;
    });
  }

  std::string token_ = "s3cret";
  testing::pg_database db_ = testing::pg_database::create();
  testing::redis_db redis_;
  std::optional<testing::backend_process> backend_;
  std::optional<testing::http_client> client_;
};

TEST_F(replay_e2e, gap_is_filled_from_the_producer_buffer) {
  buffer("fill", {3, 4, 5});
  auto a = post_batch(*client_, "fill", {1, 2, 6});
  ASSERT_EQ(a.missing(), (std::vector<std::int64_t>{3, 4, 5}));
  ASSERT_TRUE(settled("fill"));
  auto r = replays("?service=fill");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].at("status").as_string(), "completed");
  EXPECT_EQ(r[0].at("recovered").to_number<int>(), 3);
  EXPECT_EQ(r[0].at("from").to_number<int>(), 3);
  EXPECT_EQ(r[0].at("to").to_number<int>(), 5);
  EXPECT_GE(r[0].at("latencyMs").to_number<int>(), 0);
  ASSERT_TRUE(testing::eventually([&] {
    auto n = testing::count_rows(db_.url(), "fill");
    return n.rows == 6 && n.distinct_seqs == 6;
  }));
  a = post_batch(*client_, "fill", {7});
  EXPECT_TRUE(a.missing().empty());
  EXPECT_EQ(a.num("contiguousTill"), 7);
}

TEST_F(replay_e2e, gap_closed_by_the_producer_completes_its_request) {
  ASSERT_EQ(post_batch(*client_, "self", {1, 5}).num("missingTotal"), 3);
  ASSERT_EQ(post_batch(*client_, "self", {2, 3, 4}).num("accepted"), 3);
  ASSERT_TRUE(settled("self"));
  auto r = replays("?service=self");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].at("status").as_string(), "completed");
  EXPECT_EQ(r[0].at("recovered").to_number<int>(), 0);
}

TEST_F(replay_e2e, entries_no_buffer_holds_are_reported_lost_by_seq) {
  buffer("lossy", {4});  // of the gap 2-6 only 4 can be recovered
  ASSERT_EQ(post_batch(*client_, "lossy", {1, 7}).num("missingTotal"), 5);
  ASSERT_TRUE(settled("lossy"));
  auto r = replays("?service=lossy&status=failed");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].at("recovered").to_number<int>(), 1);
  EXPECT_EQ(r[0].at("lost").to_number<int>(), 4);

  auto lost = client_->get("/lost?service=lossy");
  ASSERT_EQ(lost.status, 200u);
  auto items = [&](const std::string& query) {
    auto r = client_->get("/lost" + query);
    EXPECT_EQ(r.status, 200u) << query << ": " << r.body;
    return boost::json::parse(r.body).as_object();
  };
  auto page = items("?service=lossy");
  std::vector<std::pair<int, int>> got;
  for (const auto& l : page.at("items").as_array())
    got.emplace_back(l.at("from").to_number<int>(), l.at("to").to_number<int>());
  EXPECT_EQ(got, (std::vector<std::pair<int, int>>{{2, 3}, {5, 6}}));
  EXPECT_TRUE(page.at("nextCursor").is_null());
  EXPECT_EQ(items("?service=lossy&seq=5").at("items").as_array().size(), 1u);
  EXPECT_TRUE(items("?service=lossy&seq=4").at("items").as_array().empty());
  // Paging: one range a page, the cursor leads to the next and then ends.
  auto first = items("?service=lossy&limit=1");
  ASSERT_EQ(first.at("items").as_array().size(), 1u);
  EXPECT_EQ(first.at("items").as_array()[0].at("from").to_number<int>(), 2);
  auto cursor = first.at("nextCursor");
  ASSERT_FALSE(cursor.is_null());
  auto second = items("?service=lossy&limit=1&cursor=" + boost::json::serialize(cursor));
  ASSERT_EQ(second.at("items").as_array().size(), 1u);
  EXPECT_EQ(second.at("items").as_array()[0].at("from").to_number<int>(), 5);
  auto third =
      items("?service=lossy&limit=1&cursor=" + boost::json::serialize(second.at("nextCursor")));
  EXPECT_TRUE(third.at("items").as_array().empty());
  // Seq bounds: only the ranges overlapping [4, 5].
  EXPECT_EQ(items("?service=lossy&from=4&to=5").at("items").as_array().size(), 1u);
  EXPECT_EQ(client_->get("/lost?cursor=-1").status, 400u);
  // The summary: 2 ranges, 4 seqs, 2..6, all for the one reason.
  auto summary = items("/summary?service=lossy").at("services").as_array();
  ASSERT_EQ(summary.size(), 1u);
  const auto& s = summary[0].as_object();
  EXPECT_EQ(s.at("ranges").to_number<int>(), 2);
  EXPECT_EQ(s.at("seqs").to_number<int>(), 4);
  EXPECT_EQ(s.at("first").to_number<int>(), 2);
  EXPECT_EQ(s.at("last").to_number<int>(), 6);
  EXPECT_EQ(s.at("byReason").as_object().size(), 1u);

  // Lost seqs are no longer missing: the ACK moves on, and the rows are 1, 4, 7.
  auto a = post_batch(*client_, "lossy", {8});
  EXPECT_TRUE(a.missing().empty());
  EXPECT_EQ(a.num("contiguousTill"), 8);
  ASSERT_TRUE(
      testing::eventually([&] { return testing::count_rows(db_.url(), "lossy").rows == 4; }));
}

TEST_F(replay_e2e, manual_replay_of_a_stored_range_inserts_nothing_and_completes) {
  ASSERT_EQ(post_batch(*client_, "manual", seq_span(1, 10)).num("accepted"), 10);
  buffer("manual", seq_span(1, 10));
  ASSERT_TRUE(
      testing::eventually([&] { return testing::count_rows(db_.url(), "manual").rows == 10; }));
  for (int i = 0; i < 2; ++i) {  // twice: repeating is safe
    auto r = client_->post("/replay", R"({"service":"manual","from":1,"to":10})");
    ASSERT_EQ(r.status, 202u) << r.body;
  }
  ASSERT_TRUE(settled("manual"));
  auto r = replays("?service=manual");
  ASSERT_EQ(r.size(), 2u);
  for (const auto& one : r) {
    EXPECT_EQ(one.at("status").as_string(), "completed");
    EXPECT_EQ(one.at("source").as_string(), "manual");
    EXPECT_EQ(one.at("recovered").to_number<int>(), 0);
  }
  auto n = testing::count_rows(db_.url(), "manual");
  EXPECT_EQ(n.rows, 10);
  EXPECT_EQ(n.distinct_seqs, 10);
}

TEST_F(replay_e2e, manual_replay_recovers_what_is_missing) {
  buffer("mfill", {2, 3});
  ASSERT_EQ(post_batch(*client_, "mfill", {1, 4}).num("missingTotal"), 2);
  auto r = client_->post("/replay", R"({"service":"mfill","from":1,"to":4})");
  ASSERT_EQ(r.status, 202u) << r.body;
  ASSERT_TRUE(
      testing::eventually([&] { return testing::count_rows(db_.url(), "mfill").rows == 4; }));
  EXPECT_TRUE(post_batch(*client_, "mfill", {5}).missing().empty());
}

TEST_F(replay_e2e, manual_replay_refuses_bad_input_and_non_admins) {
  testing::http_client anonymous(backend_->port()), wrong(backend_->port());
  wrong.set_header("Authorization", "Bearer s3cre7");
  const std::string good = R"({"service":"x","from":1,"to":4})";
  EXPECT_EQ(anonymous.post("/replay", good).status, 401u);
  EXPECT_EQ(wrong.post("/replay", good).status, 403u);  // a token, not the admin one
  auto& c = *client_;
  struct refusal {
    std::string body;
    unsigned status;
  };
  for (const auto& [body, status] : std::vector<refusal>{
           {R"({"service":"x","from":5,"to":4})", 400},
           {R"({"service":"x","from":0,"to":4})", 400},
           {R"({"service":"X Y","from":1,"to":4})", 400},
           {R"({"service":"x","from":1,"to":200001})", 400},
           {R"({"service":"x","from":"1","to":4})", 400},
           {R"(not json)", 400},
       }) {
    auto r = c.post("/replay", body);
    EXPECT_EQ(r.status, status) << body << " -> " << r.body;
  }
  EXPECT_TRUE(replays("").empty());
}

}  // namespace
}  // namespace tracehub
