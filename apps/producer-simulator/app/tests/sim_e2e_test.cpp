// The simulator binary against the real backend (role all: API + worker), real Redis and real
// Postgres. Each test ends the same way: every seq 1..N of every service (N = seq:{svc}) is in
// Postgres exactly once, and the producers' buffers are empty.
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "backend/keyspace/keys.h"
#include "backend/testing/backend_process.h"
#include "backend/testing/pg_database.h"
#include "backend/testing/pipeline.h"
#include "backend/testing/redis_db.h"
#include "sim_fixture.h"
#include "sim_process.h"

namespace tracehub::testing {
namespace {

using namespace std::chrono_literals;

constexpr int redis_index = 13;

class sim_e2e : public sim_fixture {
 protected:
  sim_e2e() : sim_fixture(redis_index, 60s, 90s) {}

  backend_process start_backend() {
    return backend_process::start(backend_options(pg_.url(), redis_.url()));
  }

  sim_process::env_list sim_env(unsigned short backend_port) const {
    return {{"BACKEND_URL", "http://127.0.0.1:" + std::to_string(backend_port)},
            {"REDIS_URL", redis_.url()}};
  }

  // A fast simulator: 1500 logs/s per service, small batches, short flushes.
  sim_process start_sim(unsigned short backend_port) {
    return sim_process::spawn({"--rate", "1500", "--batch-size", "100", "--flush-ms", "50",
                               "--log-level", "warn", "--drain-ms", "30000"},
                              sim_env(backend_port));
  }
};

TEST_F(sim_e2e, every_produced_seq_lands_exactly_once_and_the_buffer_empties) {
  auto backend = start_backend();
  auto sim = start_sim(backend.port());
  ASSERT_TRUE(produced_at_least(7'000));  // ~5 s at 1500 logs/s
  // It publishes its state, with an expiry, while it runs.
  for (const auto& s : services) {
    auto key = keyspace::producer(s);
    EXPECT_TRUE(eventually([&] {
      return redis_.integer({"HEXISTS", key, keyspace::producer_field::acked_total}) == 1;
    })) << s;
    EXPECT_GT(redis_.integer({"TTL", key}), 0) << s;
  }
  EXPECT_EQ(sim.terminate(60s), 0);
  expect_exactly_once();
}

// With TRACEHUB_INGEST_TOKENS on the backend, the simulator sends the token it finds in
// TRACEHUB_INGEST_TOKEN (and its service in X-TraceHub-Service) and loses nothing.
TEST_F(sim_e2e, with_producer_tokens_the_simulator_sends_its_token_from_the_environment) {
  backend_options o(pg_.url(), redis_.url());
  o.env = {{"TRACEHUB_INGEST_TOKENS", "sim-token:payment-service,auth-service,order-service"}};
  auto backend = backend_process::start(o);
  auto env = sim_env(backend.port());
  env.emplace_back("TRACEHUB_INGEST_TOKEN", "sim-token");
  auto sim = sim_process::spawn({"--rate", "1500", "--batch-size", "100", "--flush-ms", "50",
                                 "--log-level", "warn", "--drain-ms", "30000"},
                                env);
  ASSERT_TRUE(produced_at_least(2'000));
  EXPECT_EQ(sim.terminate(60s), 0);
  expect_exactly_once();
}

TEST_F(sim_e2e, kill_9_and_restart_continues_with_the_next_seq_and_loses_nothing) {
  auto backend = start_backend();
  auto first = start_sim(backend.port());
  ASSERT_TRUE(produced_at_least(3'000));
  first.kill9();
  auto at_crash = last_seqs();

  auto second = start_sim(backend.port());
  ASSERT_TRUE(produced_at_least(3'000, at_crash));
  EXPECT_EQ(second.terminate(60s), 0);
  expect_exactly_once();
}

// Regression: a producer that lost its counter (its Redis wiped) while the backend kept the
// services' state started again at seq 1; every new log was ACKed as a duplicate, trimmed
// from the buffer, and never stored. Now the new counter is a new sequence space (a new
// producerId): the backend refuses its seqs (409 sequence_reused), the producer renumbers its
// buffer after ackTill, and every log lands once.
TEST_F(sim_e2e, a_producer_that_lost_its_counter_renumbers_and_loses_nothing) {
  auto backend = start_backend();
  auto first = start_sim(backend.port());
  ASSERT_TRUE(produced_at_least(2'000));
  EXPECT_EQ(first.terminate(60s), 0);  // drained: everything ACKed and stored
  auto before = last_seqs();
  {
    auto c = redis_.connect();
    for (const auto& s : services)
      ASSERT_TRUE(
          c.command({"DEL", keyspace::seq(s), keyspace::buffer(s), keyspace::producer_id(s)}));
  }
  auto second = start_sim(backend.port());
  ASSERT_TRUE(produced_at_least(2'000, before));
  for (const auto& s : services)
    EXPECT_TRUE(eventually([&] {
      auto c = redis_.connect();
      auto r =
          c.command({"HGET", keyspace::producer(s), keyspace::producer_field::sequence_reused});
      return r && r->view().is_string() && std::stoll(std::string(r->view().str())) >= 1;
    })) << s
        << ": the refusal is counted where operators look";
  EXPECT_EQ(second.terminate(60s), 0);
  expect_exactly_once();  // 1..N once: the old seqs, then the renumbered ones after them
  for (std::size_t i = 0; i < services.size(); ++i)
    EXPECT_GT(last_seq(services[i]), before[i]) << services[i];
}

TEST_F(sim_e2e, an_unreachable_backend_is_retried_until_it_comes_up) {
  auto port = free_port();
  auto sim = start_sim(port);
  // Nothing listens yet: the simulator keeps producing into its buffer and does not exit.
  ASSERT_TRUE(produced_at_least(1'000));
  EXPECT_TRUE(sim.running());
  for (const auto& s : services)
    EXPECT_GE(redis_.integer({"ZCARD", keyspace::buffer(s)}), 1'000) << s;

  backend_options o(pg_.url(), redis_.url());
  o.env.emplace_back("TRACEHUB_HTTP_PORT", std::to_string(port));
  auto backend = backend_process::spawn(o);
  http_client health(port);
  ASSERT_TRUE(eventually([&] { return health.get("/health").status == 200; }));
  auto at_start = last_seqs();
  ASSERT_TRUE(produced_at_least(1'500, at_start));
  EXPECT_EQ(sim.terminate(60s), 0);
  expect_exactly_once();
}

// --print-state is what scripts/chaos.sh reads instead of spelling the producers' Redis keys:
// after a crash that leaves logs buffered, it gives each service's counter and every buffered
// seq, and every other seq up to the counter is one the backend acknowledged (stored once).
TEST_F(sim_e2e, print_state_lists_counters_and_buffered_seqs_and_the_rest_is_stored) {
  std::optional<backend_process> backend = start_backend();
  const auto port = backend->port();
  auto sim = start_sim(port);
  ASSERT_TRUE(produced_at_least(2'000));
  backend.reset();  // the backend goes away: what the simulator produces now stays buffered
  ASSERT_TRUE(produced_at_least(500, last_seqs()));
  sim.kill9();

  const std::string command = std::string(TRACEHUB_SIM_BIN) + " --print-state --redis-url " +
                              redis_.url() + " --log-level error";
  FILE* out = ::popen(command.c_str(), "r");
  ASSERT_NE(out, nullptr);
  std::map<std::string, long long> counters;
  std::map<std::string, std::set<long long>> buffered;
  char line[256];
  while (std::fgets(line, sizeof line, out) != nullptr) {
    std::istringstream fields(line);
    std::string kind, service;
    long long n = 0;
    ASSERT_TRUE(std::getline(fields, kind, '\t') && std::getline(fields, service, '\t') &&
                fields >> n)
        << line;
    if (kind == "producer") {
      counters[service] = n;
    } else {
      ASSERT_EQ(kind, "buffered") << line;
      buffered[service].insert(n);
    }
  }
  ASSERT_EQ(::pclose(out), 0);

  backend_options o(pg_.url(), redis_.url());
  o.env.emplace_back("TRACEHUB_HTTP_PORT", std::to_string(port));
  auto again = backend_process::spawn(o);  // drains what was queued before the crash
  for (const auto& s : services) {
    ASSERT_EQ(counters[s], last_seq(s)) << s;
    EXPECT_EQ(static_cast<long long>(buffered[s].size()),
              redis_.integer({"ZCARD", keyspace::buffer(s)}))
        << s;
    EXPECT_GE(buffered[s].size(), 500u) << s << ": logs produced while the backend was away";
    // Every seq up to the counter that is not buffered is stored, once. (A buffered seq may be
    // stored too: its ACK can be lost with the backend; the producer re-sends it later.)
    std::set<long long> missing;
    EXPECT_TRUE(eventually([&] {
      auto db = pg_.connect();
      auto r = db.query("SELECT seq FROM logs WHERE service = $1", std::vector<pg::param>{s});
      if (!r) return false;
      std::set<long long> stored;
      for (std::size_t i = 0; i < r->size(); ++i)
        stored.insert(r->get_int(i, 0));
      missing.clear();
      for (long long q = 1; q <= counters[s]; ++q)
        if (!buffered[s].count(q) && !stored.count(q)) missing.insert(q);
      return missing.empty();
    })) << s
        << ": " << missing.size() << " acknowledged seqs not stored, first "
        << (missing.empty() ? 0 : *missing.begin());
    auto rc = count_rows(pg_.url(), s);
    EXPECT_EQ(rc.rows, rc.distinct_seqs) << s;
    EXPECT_LE(rc.max_seq, counters[s]) << s;
  }
}

// Replay (docs/PROTOCOL.md, "Replay") with the network eating 30 % of ingest requests: gaps open,
// the replay worker fills them from the producers' buffers (or the producers re-send), and in the
// end every seq is stored exactly once and every replay request has completed.
TEST_F(sim_e2e, with_30_percent_of_requests_dropped_gaps_close_and_nothing_is_lost) {
  backend_options o(pg_.url(), redis_.url());
  o.env = {{"TRACEHUB_TEST_DROP_SHARE", "0.3"}};
  auto backend = backend_process::start(o);
  auto sim =
      sim_process::spawn({"--rate", "300", "--batch-size", "50", "--flush-ms", "50", "--timeout-ms",
                          "500", "--log-level", "error", "--drain-ms", "90000"},
                         sim_env(backend.port()));
  // 20 s of traffic under loss: the scenario's length, not a wait for a condition.
  std::this_thread::sleep_for(20s);
  EXPECT_EQ(sim.terminate(120s), 0);
  expect_exactly_once();
  auto db = pg_.connect();
  std::int64_t total = 0, completed = 0, failed = 0;
  bool settled = eventually(
      [&] {
        auto r = db.query(
            "SELECT count(*), count(*) FILTER (WHERE status = 'completed'), "
            "count(*) FILTER (WHERE status = 'failed') FROM replay_requests");
        if (!r) return false;
        total = r->get_int(0, 0), completed = r->get_int(0, 1), failed = r->get_int(0, 2);
        return total == completed + failed;
      },
      90s);
  EXPECT_TRUE(settled) << total - completed - failed << " replay requests still pending";
  EXPECT_GT(total, 0) << "dropping 30 % of requests must open gaps";
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(completed, total);
}

TEST(sim_flags, a_bad_flag_is_a_clear_error_and_exit_status_2) {
  for (std::vector<std::string> args : {std::vector<std::string>{"--rate", "fast"},
                                        {"--batch-size", "0"},
                                        {"--no-such-flag"},
                                        {"--backend-url", "ftp://example"},
                                        {"--redis-url", "localhost:6379"},
                                        {"--services", "Payment Service"},
                                        {"--services", "a,a"}}) {
    auto p = sim_process::spawn(args, {});
    EXPECT_EQ(p.wait(10s), 2) << args[0] << " " << (args.size() > 1 ? args[1] : "");
  }
}

}  // namespace
}  // namespace tracehub::testing
