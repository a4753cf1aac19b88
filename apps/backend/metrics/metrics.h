// metrics/metrics.h — SystemMetrics (docs/PROTOCOL.md, "Events"): the one picture of the system
// that the snapshot event, GET /metrics, GET /metrics/prometheus and GET /services all render.
//
// It combines, at the moment of the call: the live rates (stats::recorder), the modules'
// counters (probes), this process's workers (supervisor) and active faults (control), and
// the last Redis/Postgres poll (poller). Nothing here does I/O; every render is quick and may
// run on the io thread. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "backend/metrics/poller.h"
#include "backend/realtime/probe.h"
#include "backend/stats/ingest_probe.h"
#include "backend/stats/recorder.h"
#include "backend/worker/probe.h"
#include "backend/worker/supervisor.h"

namespace tracehub::metrics {

// An active fault, as GET /metrics shows it.
struct fault_view {
  std::string action;
  std::int64_t since = 0, until = 0;  // epoch ms
  boost::json::object params;         // share, delayMs, ...
};

struct sources {
  std::shared_ptr<stats::recorder> rates;
  std::shared_ptr<const stats::ingest_probe> ingest;
  std::shared_ptr<const worker::probe> worker;
  std::shared_ptr<const realtime::probe> realtime;
  std::shared_ptr<poller> state;
  std::function<std::vector<worker::worker_state>()> local_workers;  // may be empty
  std::function<std::vector<fault_view>()> faults;                   // may be empty
  // This process, as its share names it (metrics/share.h).
  std::string origin, host, role;
  std::int64_t pid = 0;
};

// A worker counts as up while its heartbeat is younger than this.
inline constexpr std::int64_t heartbeat_fresh_ms = 5000;
// A service without an ACK for this long is `stale`.
inline constexpr std::int64_t service_stale_ms = 15'000;

struct process_share;  // metrics/share.h

class collector {
 public:
  explicit collector(sources s) : s_(std::move(s)) {}

  boost::json::object system_metrics(std::int64_t now_ms) const;  // SystemMetrics
  std::string system_metrics_json() const;
  // {"services": [...]}: SystemMetrics' services plus each one's first gaps.
  std::string services_json() const;
  std::string prometheus_text() const;
  // This process's share (metrics/share.h), for the poller to publish.
  std::string share_json() const;

 private:
  struct merged;
  merged merge_all(const std::vector<process_share>& others, std::int64_t now_ms) const;
  sources s_;
};

}  // namespace tracehub::metrics
