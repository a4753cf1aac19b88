#include "backend/realtime/log_filter.h"

#include <algorithm>

namespace tracehub::realtime {

namespace {

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool contains_ignoring_case(std::string_view haystack, std::string_view needle) {
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                        [](char a, char b) { return lower(a) == lower(b); });
  return it != haystack.end() || needle.empty();
}

// A string field, or empty when absent/null; false when present with another type.
bool string_field(const boost::json::object& o, std::string_view key, std::string& out) {
  auto* v = o.if_contains(key);
  if (!v || v->is_null()) return true;
  if (!v->is_string()) return false;
  out = std::string(v->as_string());
  return true;
}

}  // namespace

std::optional<log_filter> log_filter::parse(const boost::json::value& arg, std::string& error) {
  log_filter f;
  if (arg.is_null()) return f;
  if (!arg.is_object()) {
    error = "subscribe takes an object { service?, level?, q? }";
    return std::nullopt;
  }
  const auto& o = arg.as_object();
  if (!string_field(o, "service", f.service_)) {
    error = "service must be a string";
    return std::nullopt;
  }
  if (!string_field(o, "q", f.q_)) {
    error = "q must be a string";
    return std::nullopt;
  }
  std::string level;
  if (string_field(o, "level", level)) {
    if (!level.empty()) f.levels_.push_back(std::move(level));
  } else if (o.at("level").is_array()) {
    for (const auto& l : o.at("level").as_array()) {
      if (!l.is_string()) {
        error = "level must be a string or an array of strings";
        return std::nullopt;
      }
      f.levels_.emplace_back(l.as_string());
    }
  } else {
    error = "level must be a string or an array of strings";
    return std::nullopt;
  }
  for (auto& l : f.levels_)
    std::transform(l.begin(), l.end(), l.begin(), lower);
  return f;
}

bool log_filter::matches(const log_fields& f) const {
  if (!service_.empty() && f.service != service_) return false;
  if (!levels_.empty() && std::find(levels_.begin(), levels_.end(), f.level) == levels_.end())
    return false;
  return q_.empty() || contains_ignoring_case(f.message, q_);
}

}  // namespace tracehub::realtime
