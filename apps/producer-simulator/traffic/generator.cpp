#include "producer-simulator/traffic/generator.h"

#include <cmath>
#include <cstdio>

namespace tracehub::traffic {

namespace {

// Never more than this many events from one call: a stalled caller (a paused process, a
// debugger) does not get a flood that would take seconds to render.
constexpr double max_events_per_call = 100'000;

}  // namespace

traffic_generator::traffic_generator(std::string service, traffic_options opts, std::uint64_t seed)
    : service_(std::move(service)), opts_(opts), profile_(profile_for(service_)), rng_(seed) {}

std::vector<log_event> traffic_generator::generate_until(steady::time_point now,
                                                         std::int64_t wall_ms) {
  std::vector<log_event> out;
  if (!started_) {
    started_ = true;
    last_ = now;
    return out;
  }
  std::chrono::duration<double> elapsed = now - last_;
  if (elapsed.count() <= 0) return out;
  last_ = now;
  update_burst(now, elapsed);
  carry_ = std::min(carry_ + current_rate_eps() * elapsed.count(), max_events_per_call);
  auto n = static_cast<std::size_t>(std::floor(carry_));
  carry_ -= static_cast<double>(n);
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(next_event(wall_ms));
  return out;
}

log_event traffic_generator::next_event(std::int64_t wall_ms) {
  log_event e;
  e.lvl = pick_level();
  const auto& messages = profile_.messages[static_cast<int>(e.lvl)];
  e.message = messages[std::uniform_int_distribution<std::size_t>(0, messages.size() - 1)(rng_)];
  e.request_id = request_id();
  e.ts_ms = wall_ms;
  profile_.fill_attrs(rng_, e);
  return e;
}

// A burst starts as a Poisson process (mean interval opts_.mean_burst_interval) and multiplies
// the rate by 5..10 for burst_min..burst_max.
void traffic_generator::update_burst(steady::time_point now,
                                     std::chrono::duration<double> elapsed) {
  if (in_burst() && now >= burst_end_) burst_factor_ = 1.0;
  if (!opts_.bursts || in_burst()) return;
  std::chrono::duration<double> mean = opts_.mean_burst_interval;
  double p_start = 1.0 - std::exp(-elapsed.count() / mean.count());
  if (!std::bernoulli_distribution(p_start)(rng_)) return;
  burst_factor_ = std::uniform_real_distribution<double>(5.0, 10.0)(rng_);
  auto length = std::uniform_int_distribution<std::int64_t>(opts_.burst_min.count(),
                                                            opts_.burst_max.count())(rng_);
  burst_end_ = now + std::chrono::milliseconds(length);
}

level traffic_generator::pick_level() {
  double x = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  if ((x -= weights_.fatal) < 0) return level::fatal;
  if ((x -= weights_.error) < 0) return level::error;
  if ((x -= weights_.warn) < 0) return level::warn;
  if ((x -= weights_.debug) < 0) return level::debug;
  return level::info;
}

std::string traffic_generator::request_id() {
  char buf[24];
  std::snprintf(buf, sizeof buf, "r-%012llx",
                static_cast<unsigned long long>(rng_() & 0xffff'ffff'ffffULL));
  return buf;
}

}  // namespace tracehub::traffic
