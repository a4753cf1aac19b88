#include "producer-simulator/app/sim_config.h"

#include <algorithm>
#include <cstdlib>
#include <set>

#include <CLI/CLI.hpp>

#include "backend/redis/endpoint.h"
#include "producer-simulator/producer/http_client.h"

namespace tracehub::sim {

namespace {

// The backend's rule for a service name (docs/PROTOCOL.md, "Ingest").
std::string check_service(const std::string& s) {
  bool ok = !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
  return ok ? "" : "a service name is 1-64 characters of [a-z0-9._-], not \"" + s + "\"";
}

std::string check_backend_url(const std::string& s) {
  return producer::parse_backend_url(s) ? "" : "expected http://host[:port][/prefix], got " + s;
}

std::string check_redis_url(const std::string& s) {
  return redis::parse_url(s) ? "" : "expected redis://[[user]:password@]host[:port][/db], got " + s;
}

}  // namespace

sim_config parse_sim_config(int argc, char** argv) {
  sim_config c;
  CLI::App cli{
      "TraceHub producer simulator: N services producing logs with seqs, buffering "
      "them in Redis and sending them to the backend"};
  cli.option_defaults()->always_capture_default();
  cli.add_option("--services", c.services, "comma-separated service names")
      ->delimiter(',')
      ->envname("TRACEHUB_SIM_SERVICES")
      ->check(CLI::Validator(check_service, "SERVICE"));
  cli.add_option("--rate", c.rate_eps, "base rate per service, logs per second")
      ->envname("TRACEHUB_SIM_RATE")
      ->check(CLI::Range(0.0, 1'000'000.0));
  cli.add_flag("--burst,!--no-burst", c.bursts, "occasional x5-x10 spikes of a few seconds");
  cli.add_option("--batch-size", c.batch_size, "entries per POST /ingest")
      ->check(CLI::Range(std::size_t{1}, std::size_t{10'000}));
  cli.add_option("--flush-ms", c.flush_ms, "longest a generated log waits to be flushed")
      ->check(CLI::Range(1, 60'000));
  cli.add_option("--timeout-ms", c.timeout_ms, "request timeout")->check(CLI::Range(10, 600'000));
  cli.add_option("--max-in-flight", c.max_in_flight, "batches in flight per service")
      ->check(CLI::Range(1, 256));
  cli.add_option("--drain-ms", c.drain_ms, "on stop: longest wait for the buffer to empty")
      ->check(CLI::Range(0, 3'600'000));
  cli.add_option("--max-buffer", c.max_buffer,
                 "entries a service's buffer may hold; reached, it produces nothing until ACKs "
                 "trim it")
      ->envname("TRACEHUB_SIM_MAX_BUFFER")
      ->check(CLI::Range(1LL, 1'000'000'000LL));
  cli.add_option("--backend-url", c.backend_url, "where POST /ingest goes")
      ->envname("BACKEND_URL")
      ->check(CLI::Validator(check_backend_url, "URL"));
  cli.add_option("--redis-url", c.redis_url, "Redis with the seqs and buffers (use an IP)")
      ->envname("REDIS_URL")
      ->check(CLI::Validator(check_redis_url, "URL"));
  cli.add_option("--ingest-token", c.ingest_token,
                 "producer token for a backend with TRACEHUB_INGEST_TOKENS (prefer the variable: "
                 "flags show in ps)")
      ->envname("TRACEHUB_INGEST_TOKEN");
  cli.add_option("--duration-s", c.duration_s, "run this long, then stop (0: until a signal)")
      ->check(CLI::Range(0.0, 1e9));
  cli.add_option("--log-level", c.log_level, "trace|debug|info|warn|error|off")
      ->envname("TRACEHUB_LOG_LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  cli.add_flag("--print-state", c.print_state,
               "print each service's seq counter and buffered seqs as TSV lines "
               "(producer<TAB>service<TAB>counter, buffered<TAB>service<TAB>seq), then exit");
  try {
    cli.parse(argc, argv);
    if (std::set<std::string>(c.services.begin(), c.services.end()).size() != c.services.size())
      throw CLI::ValidationError("--services", "a service is listed twice");
  } catch (const CLI::ParseError& e) {
    int code = cli.exit(e);  // prints the help, or the error and a hint
    std::exit(code == 0 ? 0 : 2);
  }
  return c;
}

}  // namespace tracehub::sim
