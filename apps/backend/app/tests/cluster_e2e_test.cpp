// Two API processes and two worker processes on one Postgres and Redis (docs/PROTOCOL.md,
// "Events across processes", "Controls across processes"): the stock socket.io-client on API
// process A sees, exactly once, the ACKs B took and the log:new, replay:completed and
// worker:crashed that happened in the worker processes (tests/realtime/cluster.test.mjs);
// drop_network sent to A drops requests at B within its refresh; crash_worker via A crashes the
// workers of both worker processes; reset via B leaves no row of the old epoch; and every
// ACKed seq is stored exactly once.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <set>
#include <thread>

#include "backend/base/clock.h"
#include "backend/testing/backend_process.h"
#include "backend/testing/node_tests.h"
#include "backend/testing/pg_database.h"
#include "backend/testing/pipeline.h"
#include "backend/testing/redis_db.h"

namespace tracehub {
namespace {

using namespace std::chrono_literals;
using testing::eventually;

constexpr const char* node_dir = TRACEHUB_REALTIME_NODE_DIR;

struct cluster {
  cluster(const std::string& db, const std::string& redis) {
    for (int i = 1; i <= 2; ++i) {
      testing::backend_options w{db, redis};
      w.role = "worker";
      w.consumer = "w" + std::to_string(i);
      w.env.emplace_back("TRACEHUB_REPLAY_DEADLINE_MS", "1500");
      workers.push_back(testing::backend_process::start(w));
    }
    for (int i = 1; i <= 2; ++i) {
      testing::backend_options a{db, redis};
      a.role = "api";
      a.consumer = "a" + std::to_string(i);
      api.push_back(testing::backend_process::start(a));
    }
  }
  std::string url(std::size_t i) const {
    return "http://127.0.0.1:" + std::to_string(api[i].port());
  }
  std::vector<testing::backend_process> workers, api;
};

std::int64_t sql_int(const std::string& url, const std::string& sql) {
  auto c = pg::connection::open(url, 3s);
  EXPECT_TRUE(c);
  if (!c) return -1;
  auto r = c->query(sql);
  EXPECT_TRUE(r) << c->last_error();
  return r ? r->get_int(0, 0) : -1;
}

TEST(cluster_e2e, events_controls_and_rows_across_two_api_and_two_worker_processes) {
  ASSERT_TRUE(std::filesystem::exists(std::filesystem::path(node_dir) / "node_modules" /
                                      "socket.io-client"))
      << "npm packages missing in " << node_dir << ": run scripts/deps.sh";
  auto db = testing::pg_database::create();
  testing::redis_db redis;
  cluster c(db.url(), redis.url());

  // A producer's buffer for seqs 3 and 4 of svc-replay: the gap the Node test opens there is
  // recovered by the replay worker of a worker process.
  auto r = redis.connect();
  for (int s : {3, 4}) {
    std::string member = R"({"seq":)" + std::to_string(s) +
                         R"(,"level":"info","message":"buffered-)" + std::to_string(s) + R"("})";
    ASSERT_TRUE(r.command({"ZADD", "buffer:{svc-replay}", std::to_string(s), member}));
  }

  EXPECT_EQ(testing::run_node_tests(
                node_dir, "cluster.test.mjs",
                {{"BACKEND_URL", c.url(0)}, {"BACKEND_URLS", c.url(0) + "," + c.url(1)}},
                std::chrono::seconds(240)),
            0)
      << "node --test failed (its report is above)";

  // Every seq the Node test had ACKed (svc-x 1..40 through B) is stored exactly once.
  ASSERT_TRUE(eventually([&] { return testing::count_rows(db.url(), "svc-x").rows == 40; }, 30s));
  auto x = testing::count_rows(db.url(), "svc-x");
  EXPECT_EQ(x.distinct_seqs, 40);
  EXPECT_EQ(x.min_seq, 1);
  EXPECT_EQ(x.max_seq, 40);
  ASSERT_TRUE(
      eventually([&] { return testing::count_rows(db.url(), "svc-replay").rows == 5; }, 30s));

  // SystemMetrics is the system's: A and B give the same totals, the sum of every process's
  // share in Redis; rowsTotal is every stored row (inserted by the two worker processes);
  // workers[] lists the threads of both worker processes with their pids.
  testing::http_client a(c.api[0].port()), b(c.api[1].port());
  auto metrics = [](testing::http_client& h) {
    auto r = h.get("/metrics");
    EXPECT_EQ(r.status, 200u);
    return boost::json::parse(r.body).as_object();
  };
  auto shares_logs = [&] {
    auto conn = redis.connect();
    std::int64_t sum = 0;
    auto keys = conn.command({"KEYS", "metrics:proc:*"});
    if (!keys) return std::int64_t{-1};
    for (std::size_t i = 0; i < keys->view().size(); ++i) {
      auto v = conn.command({"GET", keys->view()[i].str()});
      if (!v || !v->view().is_string()) continue;
      auto o = boost::json::parse(v->view().str()).as_object();
      for (const auto& sv : o.at("services").as_array())
        sum += sv.at("logsTotal").as_int64();
    }
    return sum;
  };
  std::int64_t stored = testing::count_rows(db.url()).rows;
  ASSERT_TRUE(eventually(
      [&] {
        auto ma = metrics(a), mb = metrics(b);
        auto logs = ma.at("ingest").at("logsTotal").as_int64();
        return logs > 0 && logs == mb.at("ingest").at("logsTotal").as_int64() &&
               logs == shares_logs() && ma.at("insert").at("rowsTotal").as_int64() == stored &&
               mb.at("insert").at("rowsTotal").as_int64() == stored &&
               ma.at("processes").as_int64() == 4;
      },
      10s));
  std::set<std::int64_t> worker_pids;
  auto mb = metrics(b);  // held: the loop below reads into it
  for (const auto& w : mb.at("workers").as_array())
    worker_pids.insert(w.at("pid").as_int64());
  EXPECT_EQ(worker_pids, (std::set<std::int64_t>{c.workers[0].pid(), c.workers[1].pid()}));
  std::cout << "merged /metrics: logsTotal " << metrics(a).at("ingest").at("logsTotal")
            << ", rowsTotal " << metrics(a).at("insert").at("rowsTotal") << " (" << stored
            << " rows stored), ingest eps " << metrics(a).at("ingest").at("eps") << "\n";

  // reset via B while a producer keeps posting to A: no row of the old epoch survives.
  std::atomic<bool> reset_done{false}, stop{false};
  std::atomic<std::int64_t> acked_after{0};
  std::thread producer([&] {
    testing::http_client p(c.api[0].port());
    std::int64_t seq = 0;
    bool new_epoch = false;
    while (!stop) {
      if (!new_epoch && reset_done) {
        new_epoch = true;
        seq = 0;  // a producer whose counter went back starts again at 1
      }
      std::string msg = new_epoch ? "new" : "old";
      std::string body = R"({"service":"svc-epoch","batch":[{"seq":)" + std::to_string(seq + 1) +
                         R"(,"level":"info","message":")" + msg + R"("}]})";
      auto res = p.post("/ingest", body);
      if (res.status == 200) {
        ++seq;
        if (new_epoch) acked_after = seq;
      } else {
        std::this_thread::sleep_for(20ms);
      }
    }
  });
  ASSERT_TRUE(eventually([&] { return testing::count_rows(db.url(), "svc-epoch").rows >= 20; }));
  auto reset = b.post("/metrics/control", R"({"action":"reset"})");
  ASSERT_EQ(reset.status, 200u) << reset.body;
  reset_done = true;
  ASSERT_TRUE(eventually([&] { return acked_after >= 20; }));
  stop = true;
  producer.join();
  ASSERT_TRUE(eventually(
      [&] { return testing::count_rows(db.url(), "svc-epoch").rows == acked_after.load(); }));
  EXPECT_EQ(sql_int(db.url(), "SELECT count(*) FROM logs WHERE message = 'old'"), 0);
  EXPECT_EQ(sql_int(db.url(), "SELECT count(*) FROM logs WHERE service <> 'svc-epoch'"), 0);
  auto e = testing::count_rows(db.url(), "svc-epoch");
  EXPECT_EQ(e.distinct_seqs, acked_after.load());
  EXPECT_EQ(e.max_seq, acked_after.load());

  // Every process is still up.
  for (auto* group : {&c.workers, &c.api})
    for (auto& p : *group)
      EXPECT_TRUE(p.running());
}

}  // namespace
}  // namespace tracehub
