// traffic/generator.h — a service's log traffic over time: a base rate with occasional bursts,
// levels mostly info (some debug/warn, 2-5 % error, rare fatal), messages from the service's
// profile, request ids and millisecond timestamps.
//
// One generator per service, used from one thread. Deterministic for a given seed and sequence
// of calls (tests seed it; the binary seeds from random_device).
#pragma once

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "backend/base/clock.h"
#include "producer-simulator/traffic/log_event.h"
#include "producer-simulator/traffic/service_profile.h"

namespace tracehub::traffic {

struct traffic_options {
  double rate_eps = 50;  // base rate, logs per second
  bool bursts = true;    // occasional x5..x10 spikes lasting a few seconds
  // Mean time between bursts, and their length range.
  std::chrono::milliseconds mean_burst_interval{30'000};
  std::chrono::milliseconds burst_min{2'000}, burst_max{5'000};
};

// Level shares (sum 1). error is inside the 2-5 % the spec asks for.
struct level_weights {
  double debug = 0.12, info = 0.773, warn = 0.07, error = 0.035, fatal = 0.002;
};

class traffic_generator {
 public:
  traffic_generator(std::string service, traffic_options opts, std::uint64_t seed);

  // Events due since the previous call at the current rate (bursts included), stamped
  // `wall_ms`. The first call only starts the clock and returns nothing.
  std::vector<log_event> generate_until(steady::time_point now, std::int64_t wall_ms);

  // One event, whatever the rate: for tests and for callers that pace themselves.
  log_event next_event(std::int64_t wall_ms);

  double current_rate_eps() const { return opts_.rate_eps * burst_factor_; }
  bool in_burst() const { return burst_factor_ > 1.0; }

 private:
  void update_burst(steady::time_point now, std::chrono::duration<double> elapsed);
  level pick_level();
  std::string request_id();

  std::string service_;
  traffic_options opts_;
  const service_profile& profile_;
  std::mt19937_64 rng_;
  level_weights weights_;
  bool started_ = false;
  steady::time_point last_;
  double carry_ = 0;  // fractional events owed from earlier calls
  double burst_factor_ = 1.0;
  steady::time_point burst_end_;
};

}  // namespace tracehub::traffic
