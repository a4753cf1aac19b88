// retention/policy.h — how long logs are kept, and how `logs` is cut into partitions so that
// removing them is cheap (docs/PROTOCOL.md, "Retention"). Values and pure functions, callable
// from any thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace tracehub::retention {

using seconds = std::chrono::seconds;

struct policy {
  // Rows ingested longer ago than this are removed, a whole partition at a time; 0: none are.
  seconds period{0};
  // The width of a partition (a chunk). A row lives between `period` and `period + chunk`.
  seconds chunk{86'400};
  // Partitions exist this far ahead of the present (the worker makes one itself if it ever
  // meets an entry beyond them).
  seconds ahead{172'800};

  bool keeps_everything() const { return period.count() == 0; }
};

// The policy for `period` (0: keep everything): chunk = the largest of 1 s, 10 s, 1 min,
// 10 min, 1 h, 1 d that is at most a quarter of the period (1 d when keeping everything), so
// about 4-8 chunks are kept; ahead = two chunks, at least 30 s.
policy make_policy(seconds period);

// "7d", "12h", "30m", "45s" or a number of seconds; "0" and "off" keep everything. nullopt
// when malformed or longer than 100 years.
std::optional<seconds> parse_period(std::string_view text);

// The period as parse_period reads it, in the largest unit that divides it: "7d", "90s"; "off"
// for 0.
std::string format_period(seconds period);

}  // namespace tracehub::retention
