#include "bench/event_watch.h"

#include <algorithm>
#include <map>
#include <utility>

namespace tracehub::bench {

namespace {

using event_key = std::pair<std::string, std::int64_t>;  // service, seq

}  // namespace

event_watch::event_watch(const std::vector<watched_process>& processes) {
  for (const auto& p : processes) {
    auto w = std::make_unique<watcher>();
    w->commits = p.commits;
    w->client = std::make_unique<testing::socket_client>(
        p.port, [raw = w.get()](const std::string& name, const boost::json::value& arg,
                                steady::time_point at) {
          if (name != "log:new" || !arg.is_object()) return;
          const auto& o = arg.as_object();
          auto* service = o.if_contains("service");
          auto* seq = o.if_contains("seq");
          if (!service || !service->is_string() || !seq || !seq->is_int64()) return;
          std::lock_guard lock(raw->mutex);
          raw->arrivals.push_back({std::string(service->as_string()), seq->as_int64(), at});
        });
    watchers_.push_back(std::move(w));
  }
}

event_watch::~event_watch() {
  for (auto& w : watchers_)
    w->client.reset();  // joins its thread before the arrivals go
}

std::vector<double> event_watch::added_ms(
    const std::function<bool(const std::string&)>& keep) const {
  std::map<event_key, steady::time_point> local;
  for (const auto& w : watchers_) {
    if (!w->commits) continue;
    std::lock_guard lock(w->mutex);
    for (const auto& a : w->arrivals) {
      if (!keep(a.service)) continue;
      auto [it, fresh] = local.try_emplace({a.service, a.seq}, a.at);
      if (!fresh) it->second = std::min(it->second, a.at);
    }
  }
  std::vector<double> out;
  for (const auto& w : watchers_) {
    if (w->commits) continue;
    std::lock_guard lock(w->mutex);
    for (const auto& a : w->arrivals) {
      auto it = local.find({a.service, a.seq});
      if (it != local.end())
        out.push_back(std::chrono::duration<double, std::milli>(a.at - it->second).count());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<steady::time_point> event_watch::first_arrival(const std::string& service,
                                                             std::int64_t seq,
                                                             bool committing) const {
  std::optional<steady::time_point> first;
  for (const auto& w : watchers_) {
    if (w->commits != committing) continue;
    std::lock_guard lock(w->mutex);
    for (const auto& a : w->arrivals)
      if (a.seq == seq && a.service == service && (!first || a.at < *first)) first = a.at;
  }
  return first;
}

std::int64_t event_watch::events_seen() const {
  std::int64_t n = 0;
  for (const auto& w : watchers_) {
    std::lock_guard lock(w->mutex);
    n += static_cast<std::int64_t>(w->arrivals.size());
  }
  return n;
}

}  // namespace tracehub::bench
