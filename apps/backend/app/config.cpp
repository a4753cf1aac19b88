#include "backend/app/config.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <system_error>

#include <CLI/CLI.hpp>
#include <boost/asio/ip/address.hpp>

namespace tracehub::app {

namespace {

// <checkout>/apps/dashboard/dist for a binary at <checkout>/build/<flavour>/apps/backend/;
// relative to the working directory when /proc/self/exe cannot be read.
std::string default_dashboard_dir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "apps/dashboard/dist";
  return (exe.parent_path() / "../../../../apps/dashboard/dist").lexically_normal().string();
}

// "a, b,,c" -> {"a", "b", "c"}
std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    auto end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    auto item = s.substr(start, end - start);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) out.push_back(item);
    start = end + 1;
  }
  return out;
}

}  // namespace

std::string exposure_problem(const config& c) {
  if (!c.admin_token.empty()) return {};
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(c.bind, ec);
  if (!ec && a.is_loopback()) return {};
  return "TRACEHUB_BIND=" + c.bind +
         " serves beyond this host, and without TRACEHUB_ADMIN_TOKEN anyone who reaches the "
         "port could be let in: set one (e.g. export TRACEHUB_ADMIN_TOKEN=$(openssl rand -hex "
         "32)) or bind 127.0.0.1 (README \"Security\")";
}

config parse_config(int argc, char** argv) {
  config c;
  CLI::App cli{"TraceHub backend: ingest API, queue worker, health"};
  cli.option_defaults()->always_capture_default();
  cli.add_option("--bind", c.bind, "address to listen on")->envname("TRACEHUB_BIND");
  cli.add_option("--http-port", c.http_port, "API port")->envname("TRACEHUB_HTTP_PORT");
  cli.add_option("--dashboard-port", c.dashboard_port,
                 "dashboard port (0: any free port, -1: no dashboard)")
      ->envname("TRACEHUB_DASHBOARD_PORT")
      ->check(CLI::Range(-1, 65535));
  cli.add_option("--dashboard-dir", c.dashboard_dir,
                 "the built dashboard (default: apps/dashboard/dist of this checkout)")
      ->envname("TRACEHUB_DASHBOARD_DIR");
  cli.add_option("--database-url", c.database_url, "PostgreSQL URL")->envname("DATABASE_URL");
  cli.add_option("--redis-url", c.redis_url, "Redis URL")->envname("REDIS_URL");
  cli.add_option("--role", c.role, "which parts run in this process")
      ->envname("TRACEHUB_ROLE")
      ->check(CLI::IsMember({"all", "api", "worker"}));
  cli.add_option("--workers", c.workers, "queue worker threads")
      ->envname("TRACEHUB_WORKERS")
      ->check(CLI::Range(1, 64));
  cli.add_option("--consumer", c.consumer, "worker name prefix in the consumer group")
      ->envname("TRACEHUB_CONSUMER");
  cli.add_option("--log-level", c.log_level, "trace|debug|info|warn|error|off")
      ->envname("TRACEHUB_LOG_LEVEL");
  auto& in = c.ingest;
  cli.add_option("--max-body-bytes", in.limits.max_body_bytes, "largest /ingest body")
      ->envname("TRACEHUB_MAX_BODY_BYTES")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 30));
  cli.add_option("--max-batch-entries", in.limits.max_entries, "most entries in one batch")
      ->envname("TRACEHUB_MAX_BATCH_ENTRIES")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}));
  cli.add_option("--max-gap", in.limits.max_gap, "largest seq jump beyond ackTill")
      ->envname("TRACEHUB_MAX_GAP")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40));
  cli.add_option("--queue-max-entries", in.queue.max_entries,
                 "queue:logs length at which ingest answers 503")
      ->envname("TRACEHUB_QUEUE_MAX_ENTRIES")
      ->check(CLI::PositiveNumber);
  cli.add_option("--queue-max-bytes", in.queue.max_bytes,
                 "bytes of queue:logs + queue:retry at which ingest answers 503 (default 1 GiB)")
      ->envname("TRACEHUB_QUEUE_MAX_BYTES")
      ->check(CLI::Range(std::int64_t{1} << 16, std::int64_t{1} << 40));
  cli.add_option("--admin-token", c.admin_token,
                 "bearer token for admin routes (unset: loopback callers only)")
      ->envname("TRACEHUB_ADMIN_TOKEN");
  std::string public_hosts, allowed_origins, public_read, ingest_tokens;
  cli.add_option("--public-hosts", public_hosts,
                 "comma-separated host names the backend answers to besides localhost and its "
                 "addresses")
      ->envname("TRACEHUB_PUBLIC_HOSTS");
  cli.add_option("--allowed-origins", allowed_origins,
                 "comma-separated origins (scheme://host[:port]) whose pages may call admin routes "
                 "besides the dashboard's own")
      ->envname("TRACEHUB_ALLOWED_ORIGINS");
  cli.add_option(
         "--public-read", public_read,
         "1: with an admin token set, Socket.IO clients without it still get metrics and logs")
      ->envname("TRACEHUB_PUBLIC_READ");
  cli.add_option("--ingest-tokens", ingest_tokens,
                 "producer credentials token:svc1,svc2;token2:svc3 (unset: /ingest takes anyone)")
      ->envname("TRACEHUB_INGEST_TOKENS");
  cli.add_option("--max-connections", c.max_connections,
                 "open HTTP connections per port; past it new ones get 503")
      ->envname("TRACEHUB_MAX_CONNECTIONS")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}));
  cli.add_option("--max-socket-clients", c.max_socket_clients,
                 "Socket.IO clients; past it new ones get 503")
      ->envname("TRACEHUB_MAX_SOCKET_CLIENTS")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}));
  cli.add_option("--socket-ping-interval-ms", c.socket_ping_interval_ms,
                 "Socket.IO: the server pings each client this often")
      ->envname("TRACEHUB_SOCKET_PING_INTERVAL_MS")
      ->check(CLI::Range(std::int64_t{100}, std::int64_t{3'600'000}));
  cli.add_option("--socket-ping-timeout-ms", c.socket_ping_timeout_ms,
                 "Socket.IO: a client whose pong is this late is disconnected (a polling client "
                 "that stops polling too)")
      ->envname("TRACEHUB_SOCKET_PING_TIMEOUT_MS")
      ->check(CLI::Range(std::int64_t{100}, std::int64_t{3'600'000}));
  cli.add_option("--write-timeout-ms", c.write_timeout_ms,
                 "a client that takes longer to read one response is dropped")
      ->envname("TRACEHUB_WRITE_TIMEOUT_MS")
      ->check(CLI::Range(std::int64_t{100}, std::int64_t{3'600'000}));
  cli.add_option("--idle-timeout-ms", c.idle_timeout_ms,
                 "a kept-alive connection idle this long is closed")
      ->envname("TRACEHUB_IDLE_TIMEOUT_MS")
      ->check(CLI::Range(std::int64_t{100}, std::int64_t{3'600'000}));
  cli.add_option("--replay-deadline-ms", c.replay_deadline_ms,
                 "how long a gap may wait for its entries before they are reported lost")
      ->envname("TRACEHUB_REPLAY_DEADLINE_MS")
      ->check(CLI::Range(std::int64_t{100}, std::int64_t{86'400'000}));
  cli.add_option("--claim-idle-ms", c.claim_idle_ms,
                 "how long a queue entry may stay pending for a silent worker before another "
                 "worker claims it (both queue streams)")
      ->envname("TRACEHUB_CLAIM_IDLE_MS")
      ->check(CLI::Range(std::int64_t{100}, std::int64_t{3'600'000}));
  std::string retention = "off";
  cli.add_option("--retention", retention,
                 "remove logs ingested longer ago than this: 7d, 12h, 30m, 45s; off keeps them")
      ->envname("TRACEHUB_RETENTION")
      ->check(
          [](const std::string& v) {
            return retention::parse_period(v) ? std::string() : "expected 7d, 12h, 30m, 45s or off";
          },
          "PERIOD");
  cli.add_option("--audit-interval-ms", c.audit_interval_ms,
                 "how often the ACK state is audited against Postgres (0: only on POST /audit)")
      ->envname("TRACEHUB_AUDIT_INTERVAL_MS")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{86'400'000}));
  cli.add_option("--query-connections", c.query_connections,
                 "Postgres connections (and threads) shared by the query routes")
      ->envname("TRACEHUB_QUERY_CONNECTIONS")
      ->check(CLI::Range(1, 64));
  cli.add_option("--query-timeout-ms", c.query_timeout_ms,
                 "statement timeout of the query routes (past it: 503 timeout)")
      ->envname("TRACEHUB_QUERY_TIMEOUT_MS")
      ->check(CLI::Range(std::int64_t{10}, std::int64_t{600'000}));
  cli.add_option("--query-share", c.query_share,
                 "share of wall-clock time the query routes may hold their connections together "
                 "(0.25: a quarter of one connection's second, per second; past it they wait, "
                 "then 503 timeout); 0: no limit")
      ->envname("TRACEHUB_QUERY_SHARE")
      ->check(CLI::Range(0.0, 64.0));
  cli.add_option("--test-drop-share", c.test_drop_share)
      ->envname("TRACEHUB_TEST_DROP_SHARE")
      ->check(CLI::Range(0.0, 1.0))
      ->group("");  // test hook: the drop_network switch, on from start-up
  std::string crash;
  cli.add_option("--test-crash-after-commit", crash)
      ->envname("TRACEHUB_TEST_CRASH_AFTER_COMMIT")
      ->group("");  // test hook, hidden from --help
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::exit(cli.exit(e));
  }
  c.test_crash_after_commit = (crash == "1");
  c.retention = *retention::parse_period(retention);
  c.public_hosts = split_list(public_hosts);
  c.allowed_origins = split_list(allowed_origins);
  c.public_read = (public_read == "1");
  std::string error;
  auto tokens = http::producer_tokens::parse(ingest_tokens, error);
  if (!tokens) {
    std::fprintf(stderr, "TRACEHUB_INGEST_TOKENS: %s\n", error.c_str());
    std::exit(2);
  }
  c.ingest_tokens = std::move(*tokens);
  if (c.dashboard_dir.empty()) c.dashboard_dir = default_dashboard_dir();
  if (c.consumer.empty()) {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    c.consumer = host[0] ? host : "worker";
  }
  return c;
}

}  // namespace tracehub::app
