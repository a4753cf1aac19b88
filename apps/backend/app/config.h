// app/config.h — every setting of the backend, from flags or environment (flags win).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "backend/http/producer_tokens.h"
#include "backend/ingest/ingest.h"
#include "backend/retention/policy.h"

namespace tracehub::app {

struct config {
  std::string bind = "127.0.0.1";
  unsigned short http_port = 3001;
  // The dashboard's port (same API routes plus the static site): 0 picks a free port, -1
  // serves no dashboard.
  int dashboard_port = 3000;
  // apps/dashboard/dist; default: found from the binary's place in build/<flavour>/apps/backend.
  std::string dashboard_dir;
  std::string database_url = "postgresql://postgres@127.0.0.1:55432/tracehub";
  std::string redis_url = "redis://127.0.0.1:56379";
  std::string role = "all";  // all | api | worker
  int workers = 1;
  std::string consumer;  // worker name prefix in the consumer group; default: host name
  std::string log_level = "info";
  ingest::options ingest;
  // Who may do what: README "Security" (http/admin.h, http/producer_tokens.h).
  std::string admin_token;                // TRACEHUB_ADMIN_TOKEN; empty: loopback-only admin routes
  std::vector<std::string> public_hosts;  // TRACEHUB_PUBLIC_HOSTS, comma-separated
  std::vector<std::string> allowed_origins;  // TRACEHUB_ALLOWED_ORIGINS, comma-separated
  bool public_read = false;                  // TRACEHUB_PUBLIC_READ=1
  http::producer_tokens ingest_tokens;       // TRACEHUB_INGEST_TOKENS; empty: none required
  // HTTP and Socket.IO limits (http/server.h, realtime/hub.h).
  std::size_t max_connections = 2048;
  std::size_t max_socket_clients = 1000;
  // Engine.IO heartbeat (realtime/hub.h options): ping every interval, pong due within timeout.
  std::int64_t socket_ping_interval_ms = 25'000;
  std::int64_t socket_ping_timeout_ms = 20'000;
  std::int64_t write_timeout_ms = 30'000;
  std::int64_t idle_timeout_ms = 15'000;
  std::int64_t replay_deadline_ms = 60'000;
  // How long an entry may stay pending for a silent consumer before another worker claims it.
  std::int64_t claim_idle_ms = 30'000;
  // How long logs are kept (retention/policy.h): rows ingested longer ago are removed a
  // partition at a time; 0 (the default, "off"): kept for ever.
  retention::seconds retention{0};
  // Background audit rounds (audit/auditor.h); 0: only POST /audit.
  std::int64_t audit_interval_ms = 10'000;
  // The query routes' pool: connections (and threads), and the statement timeout.
  int query_connections = 4;
  std::int64_t query_timeout_ms = 5'000;
  // The share of wall-clock time the query routes' connections may be held together (pg/pool.h):
  // what keeps readers from slowing ingest. 0: no limit.
  double query_share = 0.25;
  bool test_crash_after_commit = false;  // test hook, TRACEHUB_TEST_CRASH_AFTER_COMMIT=1
  double test_drop_share = 0;            // test hook, TRACEHUB_TEST_DROP_SHARE: drop from start
};

// Parses argv and the environment. Exits the process (CLI11 style) on --help or a bad flag.
config parse_config(int argc, char** argv);

// Why `c` must not run, or "" when it may: a bind address beyond loopback without an admin
// token would open the admin routes to the network.
std::string exposure_problem(const config& c);

}  // namespace tracehub::app
