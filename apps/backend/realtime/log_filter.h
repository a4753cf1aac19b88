// realtime/log_filter.h — a client's choice of log:new entries (the `subscribe` event) and its
// rate limit. Both live in one client and are used on the hub's strand only.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "backend/base/clock.h"

namespace tracehub::realtime {

// The fields of a log:new the filter looks at (views into the event's fields, events/event.h).
struct log_fields {
  std::string_view service;
  std::string_view level;
  std::string_view message;
};

// `subscribe { service?, level?, q? }`: service exact, level exact or one of a list, q a
// case-insensitive (ASCII) substring of the message. Absent, null or empty fields match all.
class log_filter {
 public:
  // From the subscribe argument (an object, or null to clear). nullopt and `error` set when a
  // field has the wrong type.
  static std::optional<log_filter> parse(const boost::json::value& arg, std::string& error);

  bool matches(const log_fields& f) const;

 private:
  std::string service_;
  std::vector<std::string> levels_;
  std::string q_;
};

// Token bucket: `rate` tokens a second, at most `burst` saved up.
class token_bucket {
 public:
  token_bucket(double rate, double burst) : rate_(rate), burst_(burst), tokens_(burst) {}

  bool take(steady::time_point now) {
    if (last_ != steady::time_point{}) {
      double elapsed = std::chrono::duration<double>(now - last_).count();
      tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
    }
    last_ = now;
    if (tokens_ < 1) return false;
    tokens_ -= 1;
    return true;
  }

 private:
  double rate_, burst_, tokens_;
  steady::time_point last_{};
};

}  // namespace tracehub::realtime
