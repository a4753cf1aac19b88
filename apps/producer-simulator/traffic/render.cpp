#include "producer-simulator/traffic/render.h"

#include <ctime>

#include <fmt/format.h>

namespace tracehub::traffic {

namespace {

void append_attr_value(std::string& out, const attr_value& v) {
  if (auto* i = std::get_if<std::int64_t>(&v)) {
    out += std::to_string(*i);
  } else if (auto* d = std::get_if<double>(&v)) {
    out += fmt::format("{:.2f}", *d);
  } else if (auto* s = std::get_if<std::string>(&v)) {
    append_json_string(out, *s);
  } else {
    out += std::get<bool>(v) ? "true" : "false";
  }
}

}  // namespace

std::string format_rfc3339_ms(std::int64_t epoch_ms) {
  std::time_t secs = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, epoch_ms % 1000);
}

std::string render_tail(const log_event& e) {
  std::string out;
  out.reserve(192);
  out += "\"level\":\"";
  out += level_name(e.lvl);
  out += "\",\"message\":";
  append_json_string(out, e.message);
  out += ",\"requestId\":";
  append_json_string(out, e.request_id);
  out += ",\"ts\":\"";
  out += format_rfc3339_ms(e.ts_ms);
  out += '"';
  if (!e.attrs.empty()) {
    out += ",\"attrs\":{";
    for (std::size_t i = 0; i < e.attrs.size(); ++i) {
      if (i) out += ',';
      append_json_string(out, e.attrs[i].first);
      out += ':';
      append_attr_value(out, e.attrs[i].second);
    }
    out += '}';
  }
  out += '}';
  return out;
}

std::string render_entry(std::int64_t seq, std::string_view tail) {
  std::string out = "{\"seq\":" + std::to_string(seq) + ",";
  out += tail;
  return out;
}

}  // namespace tracehub::traffic
