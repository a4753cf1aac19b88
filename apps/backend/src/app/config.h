// app/config.h — every setting of the backend, from flags or environment (flags win).
#pragma once

#include <cstdint>
#include <string>

#include "ingest/ingest.h"

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
  std::string admin_token;  // TRACEHUB_ADMIN_TOKEN; empty: loopback-only admin routes
  std::int64_t replay_deadline_ms = 60'000;
  // How long an entry may stay pending for a silent consumer before another worker claims it.
  std::int64_t claim_idle_ms = 30'000;
  // The query routes' pool: connections (and threads), and the statement timeout.
  int query_connections = 4;
  std::int64_t query_timeout_ms = 5'000;
  bool test_crash_after_commit = false;  // test hook, TRACEHUB_TEST_CRASH_AFTER_COMMIT=1
  double test_drop_share = 0;            // test hook, TRACEHUB_TEST_DROP_SHARE: drop from start
};

// Parses argv and the environment. Exits the process (CLI11 style) on --help or a bad flag.
config parse_config(int argc, char** argv);

}  // namespace tracehub::app
