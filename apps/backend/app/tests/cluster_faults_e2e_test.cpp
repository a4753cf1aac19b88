// Faults in combination across processes (issue 13): two API and two worker processes on one
// Postgres and Redis, four producers posting batches without pause to both API processes, and
// in one run
//   1. kill -9 of a worker process holding read, unacknowledged entries: the surviving worker
//      process claims them once they are idle for --claim-idle-ms (docs/PROTOCOL.md, "Queue
//      entry") and stores them;
//   2. kill -9 of API process 1: API process 2 goes on ACKing its producers without one failed
//      request, takes over the producers of API 1, and its Socket.IO clients keep getting
//      ack:sent;
//   3. the killed worker process started again under its consumer name: it takes its share.
// Then every seq any producer had ACKed is in `logs` exactly once, and nothing else is.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "backend/metrics/share.h"
#include "backend/queue/keys.h"
#include "backend/testing/backend_process.h"
#include "backend/testing/pg_database.h"
#include "backend/testing/pipeline.h"
#include "backend/testing/redis_db.h"
#include "backend/testing/socket_client.h"

namespace tracehub {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
namespace keys = queue::keys;

// Entries stay pending this long for a dead consumer before another worker claims them: the
// default (30 s) would make the test wait half a minute for step 1.
constexpr const char* claim_idle_ms = "2000";
constexpr std::int64_t batch_size = 100;

// Posts batches of consecutive seqs for its service, each batch until it is ACKed: to its home
// API process first and, when that one does not answer, to the next one (a client with a list
// of addresses). A pause between batches keeps the load below what two workers store on a
// shared 2-core machine, so the queue stays short and the final count does not wait minutes.
class producer {
 public:
  producer(std::vector<unsigned short> ports, std::string service)
      : ports_(std::move(ports)), service_(std::move(service)), failures_(ports_.size()) {
    thread_ = std::thread([this] { run(); });
  }
  ~producer() { stop(); }

  // Returns once the batch in flight is ACKed (or after 60 s of failures: gave_up()).
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  const std::string& service() const { return service_; }
  std::int64_t acked() const { return acked_; }  // seqs 1..acked() are ACKed
  std::int64_t failures(std::size_t port_index) const { return failures_[port_index]; }
  bool gave_up() const { return gave_up_; }
  std::string first_refusal() const {
    std::lock_guard lock(mutex_);
    return first_refusal_;
  }

 private:
  void run() {
    std::vector<std::unique_ptr<testing::http_client>> clients;
    for (auto p : ports_)
      clients.push_back(std::make_unique<testing::http_client>(p));
    std::size_t at = 0;
    std::int64_t next = 1;
    auto failing_since = std::chrono::steady_clock::now();
    for (;;) {  // a failed batch is sent again even after stop(): it may have been stored
      auto a = testing::post_batch(*clients[at], service_,
                                   testing::seq_span(next, next + batch_size - 1));
      if (a.status == 200 && a.num("missingTotal") == 0) {
        next += batch_size;
        acked_ = next - 1;
        failing_since = std::chrono::steady_clock::now();
        if (stop_) return;
        std::this_thread::sleep_for(20ms);  // pacing, see above
        continue;
      }
      ++failures_[at];
      if (a.status != 0) {  // an answer other than an ACK: note it, try the same address again
        std::lock_guard lock(mutex_);
        if (first_refusal_.empty())
          first_refusal_ = std::to_string(a.status) + " " + boost::json::serialize(a.body);
      } else {
        at = (at + 1) % clients.size();  // no answer: the next address
      }
      if (std::chrono::steady_clock::now() - failing_since > 60s) {
        gave_up_ = true;
        return;
      }
      std::this_thread::sleep_for(20ms);  // pacing the retries, not a synchronisation
    }
  }

  std::vector<unsigned short> ports_;
  std::string service_;
  std::vector<std::atomic<std::int64_t>> failures_;
  std::atomic<bool> stop_{false}, gave_up_{false};
  std::atomic<std::int64_t> acked_{0};
  mutable std::mutex mutex_;
  std::string first_refusal_;
  std::thread thread_;
};

// The highest ackTill of each service in the ack:sent events one Socket.IO client received.
class ack_watcher {
 public:
  explicit ack_watcher(unsigned short port)
      : client_(port, [this](const std::string& name, const boost::json::value& arg,
                             testing::socket_client::clock::time_point) {
          if (name != "ack:sent" || !arg.is_object()) return;
          const auto& o = arg.as_object();
          auto* svc = o.if_contains("service");
          auto* till = o.if_contains("ackTill");
          if (!svc || !svc->is_string() || !till) return;
          std::lock_guard lock(mutex_);
          auto& best = till_[std::string(svc->as_string())];
          best = std::max(best, till->to_number<std::int64_t>());
        }) {}

  std::int64_t ack_till(const std::string& service) const {
    std::lock_guard lock(mutex_);
    auto it = till_.find(service);
    return it == till_.end() ? 0 : it->second;
  }
  bool open() const { return client_.open(); }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::int64_t> till_;
  testing::socket_client client_;  // last: its thread stops before the map goes
};

// Entry ids of both queue streams pending for consumers whose name starts with `prefix`.
std::set<std::string> pending_of(const testing::redis_db& redis, const std::string& prefix) {
  std::set<std::string> ids;
  auto c = redis.connect();
  for (auto key : {keys::logs, keys::retry}) {
    auto r = c.command({"XPENDING", key, keys::group, "-", "+", "100000"});
    if (!r || !r->view().is_array()) continue;
    for (std::size_t i = 0; i < r->view().size(); ++i) {
      auto e = r->view()[i];  // [id, consumer, idle ms, deliveries]
      if (e.size() >= 2 && e[1].str().starts_with(prefix)) ids.insert(std::string(e[0].str()));
    }
  }
  return ids;
}

// True when none of `ids` is left in queue:logs: each was stored, then acknowledged and deleted.
bool all_deleted(const testing::redis_db& redis, const std::set<std::string>& ids) {
  auto c = redis.connect();
  for (const auto& id : ids) {
    auto r = c.command({"XRANGE", keys::logs, id, id});
    if (!r || !r->view().is_array() || r->view().size() != 0) return false;
  }
  return true;
}

// Rows this process's workers inserted, from its metrics share; -1 while it has none.
std::int64_t rows_inserted_by(const testing::redis_db& redis, pid_t pid) {
  auto c = redis.connect();
  auto names = c.command({"KEYS", std::string(metrics::share_prefix) + "*"});
  if (!names || !names->view().is_array()) return -1;
  for (std::size_t i = 0; i < names->view().size(); ++i) {
    auto v = c.command({"GET", names->view()[i].str()});
    if (!v || !v->view().is_string()) continue;
    auto share = metrics::decode(v->view().str());
    if (share && share->pid == pid) return share->rows;
  }
  return -1;
}

std::int64_t sql_int(const testing::pg_database& db, const std::string& sql) {
  auto c = db.connect();
  auto r = c.query(sql);
  EXPECT_TRUE(r) << c.last_error();
  return r ? r->get_int(0, 0) : -1;
}

TEST(cluster_faults, worker_then_api_killed_under_load_then_worker_back_every_acked_seq_once) {
  auto db = testing::pg_database::create();
  testing::redis_db redis;

  auto worker_options = [&](const std::string& name) {
    testing::backend_options o{db.url(), redis.url()};
    o.role = "worker";
    o.consumer = name;
    o.env.emplace_back("TRACEHUB_CLAIM_IDLE_MS", claim_idle_ms);
    return o;
  };
  std::optional<testing::backend_process> w1(testing::backend_process::start(worker_options("w1")));
  testing::backend_process w2 = testing::backend_process::start(worker_options("w2"));
  std::vector<testing::backend_process> api;
  for (const char* name : {"a1", "a2"}) {
    testing::backend_options o{db.url(), redis.url()};
    o.role = "api";
    o.consumer = name;
    api.push_back(testing::backend_process::start(o));
  }
  const unsigned short a1 = api[0].port(), a2 = api[1].port();
  ack_watcher watcher(a2);

  // Two producers at home on each API process; each falls back to the other.
  std::vector<std::unique_ptr<producer>> producers;
  for (int i = 0; i < 4; ++i) {
    std::vector<unsigned short> ports =
        i % 2 == 0 ? std::vector<unsigned short>{a1, a2} : std::vector<unsigned short>{a2, a1};
    producers.push_back(std::make_unique<producer>(ports, "chain-" + std::to_string(i)));
  }
  auto total_acked = [&] {
    std::int64_t n = 0;
    for (const auto& p : producers)
      n += p->acked();
    return n;
  };
  auto rows = [&] { return testing::count_rows(db.url()).rows; };
  ASSERT_TRUE(eventually([&] { return rows() > 4'000; })) << "the pipeline never got going";

  // 1. kill -9 of worker process 1 while it holds entries it read and has not acknowledged.
  // Seen pending just before the kill, they may still be committed in the instant between; so
  // the ids that count are those pending once the process is dead, and the kill is retried
  // (the process started again) until there are some.
  std::set<std::string> orphaned;
  for (int attempt = 0; attempt < 10 && orphaned.empty(); ++attempt) {
    if (!w1) w1.emplace(testing::backend_process::start(worker_options("w1")));
    ASSERT_TRUE(eventually([&] { return !pending_of(redis, "w1-").empty(); }, 30s))
        << "worker process 1 never held a pending entry";
    w1->kill9();
    w1.reset();
    orphaned = pending_of(redis, "w1-");
  }
  ASSERT_FALSE(orphaned.empty()) << "worker process 1 was never killed holding an entry";
  const auto killed_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually([&] { return pending_of(redis, "w1-").empty(); }, 30s))
      << "the entries of the dead worker were not claimed";
  ASSERT_TRUE(eventually([&] { return all_deleted(redis, orphaned); }, 60s))
      << "the claimed entries were not stored and acknowledged";
  std::cout << "worker process 1 killed holding " << orphaned.size()
            << " entries; claimed, stored and acknowledged by worker process 2 after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - killed_at)
                   .count()
            << " ms (claim idle " << claim_idle_ms << " ms)\n";
  const auto rows_after_claim = rows();
  ASSERT_TRUE(eventually([&] { return rows() > rows_after_claim + 2'000; }))
      << "worker process 2 stopped storing";

  // 2. kill -9 of API process 1. API 2 answers every request its producers send (their
  // failure counts at API 2 stay 0) and ACKs the producers of API 1 too; its Socket.IO client
  // sees ack:sent for both kinds, past anything API 1 could have ACKed.
  std::vector<std::int64_t> acked_at_kill;
  for (const auto& p : producers)
    acked_at_kill.push_back(p->acked());
  api[0].kill9();
  ASSERT_TRUE(eventually(
      [&] {
        for (std::size_t i = 0; i < producers.size(); ++i)
          if (producers[i]->acked() < acked_at_kill[i] + 20 * batch_size) return false;
        return true;
      },
      60s))
      << "API process 2 did not go on ACKing every producer";
  EXPECT_TRUE(eventually(
      [&] {
        for (std::size_t i = 0; i < producers.size(); ++i)
          if (watcher.ack_till(producers[i]->service()) <= acked_at_kill[i] + batch_size)
            return false;
        return true;
      },
      10s))
      << "the Socket.IO client of API process 2 got no ack:sent of some producer after the kill";
  EXPECT_TRUE(watcher.open());

  // 3. worker process 1 again, under its consumer name: it stores rows beside worker 2.
  w1.emplace(testing::backend_process::start(worker_options("w1")));
  ASSERT_TRUE(eventually([&] { return rows_inserted_by(redis, w1->pid()) > 0; }, 60s))
      << "the restarted worker process stored nothing";

  for (auto& p : producers)
    p->stop();
  for (std::size_t i = 0; i < producers.size(); ++i) {
    const auto& p = *producers[i];
    EXPECT_FALSE(p.gave_up()) << p.service();
    // Producers at home on API 2 (odd) never failed there; API 1's failed only at API 1.
    EXPECT_EQ(p.failures(i % 2 == 1 ? 0 : 1), 0)
        << p.service() << ": a request to API process 2 failed; first refusal "
        << p.first_refusal();
  }

  // Every ACKed seq stored exactly once: wait while the queue drains (failing after 60 s
  // without progress), then count.
  const std::int64_t acked = total_acked();
  std::int64_t best = -1;
  auto progress_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually(
      [&] {
        auto n = rows();
        if (n > best) {
          best = n;
          progress_at = std::chrono::steady_clock::now();
        }
        if (std::chrono::steady_clock::now() - progress_at > 60s) return true;  // gives up
        return n >= acked && redis.integer({"XLEN", keys::logs}) == 0 &&
               redis.integer({"XLEN", keys::retry}) == 0;
      },
      10min));
  for (const auto& p : producers) {
    auto c = testing::count_rows(db.url(), p->service());
    EXPECT_EQ(c.rows, p->acked()) << p->service();
    EXPECT_EQ(c.distinct_seqs, p->acked()) << p->service();
    EXPECT_EQ(c.min_seq, 1) << p->service();
    EXPECT_EQ(c.max_seq, p->acked()) << p->service();
  }
  EXPECT_EQ(rows(), acked);
  EXPECT_EQ(sql_int(db, "SELECT count(*) FROM dead_letters"), 0);
  EXPECT_EQ(sql_int(db, "SELECT count(*) FROM lost_seqs"), 0);
  EXPECT_TRUE(pending_of(redis, "").empty());
  std::cout << "stored " << acked << " ACKed logs exactly once ("
            << producers[0]->failures(0) + producers[2]->failures(0)
            << " requests of API 1's producers failed at API 1)\n";

  EXPECT_TRUE(w1->running());
  EXPECT_TRUE(w2.running());
  EXPECT_TRUE(api[1].running());
}

}  // namespace
}  // namespace tracehub
