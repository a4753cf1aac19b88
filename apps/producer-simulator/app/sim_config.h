// app/sim_config.h — every setting of the producer simulator, from flags or environment (flags
// win). Nothing here does I/O beyond reading argv and the environment.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace tracehub::sim {

struct sim_config {
  std::vector<std::string> services{"payment-service", "auth-service", "order-service"};
  double rate_eps = 50;  // base rate per service
  bool bursts = true;
  std::size_t batch_size = 200;
  int flush_ms = 250;
  int timeout_ms = 2000;
  int max_in_flight = 4;
  int drain_ms = 10'000;
  long long max_buffer = 100'000;  // entries of buffer:{svc}; reached, the producer pauses
  std::string backend_url = "http://127.0.0.1:3001";
  std::string redis_url = "redis://127.0.0.1:56379";
  std::string ingest_token;  // TRACEHUB_INGEST_TOKEN; empty: the backend requires none
  double duration_s = 0;     // 0: until SIGINT/SIGTERM
  std::string log_level = "info";
  // Print each service's seq counter and buffered seqs (TSV, see main.cpp) and exit: how a
  // script learns what the producers were acknowledged without spelling their Redis keys.
  bool print_state = false;
};

// Parses argv and the environment. --help prints the usage and exits 0; a bad flag or value
// prints what is wrong and exits 2 (CLI11 alone would use its own codes).
sim_config parse_sim_config(int argc, char** argv);

}  // namespace tracehub::sim
