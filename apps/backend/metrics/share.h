// metrics/share.h — what one process tells the others for SystemMetrics (docs/PROTOCOL.md,
// "Metrics across processes"): its rate slots and latency histograms (stats::recorder_state),
// its counters and its worker threads, as JSON under metrics:proc:<origin> (expiry 5 s,
// rewritten every second by the poller). Adding every process's share gives the system's
// figures; a process that stops sharing drops out within 5 s.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backend/stats/recorder.h"
#include "backend/worker/supervisor.h"

namespace tracehub::metrics {

inline constexpr std::string_view share_prefix = "metrics:proc:";

struct process_share {
  std::string origin, host, role;
  std::int64_t pid = 0, ts = 0;
  stats::recorder_state rates;
  // ingest/probe.h and worker/probe.h counters since start (or the last reset)
  std::int64_t batches = 0, duplicates = 0, rejected = 0, dropped = 0, unavailable = 0;
  std::int64_t rows = 0;
  std::vector<worker::worker_state> workers;
};

std::string encode(const process_share& s);
std::optional<process_share> decode(std::string_view text);

}  // namespace tracehub::metrics
