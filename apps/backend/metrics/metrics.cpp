#include "backend/metrics/metrics.h"

#include <cmath>
#include <map>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "backend/base/clock.h"
#include "backend/metrics/share.h"

namespace tracehub::metrics {

namespace json = boost::json;

namespace {

// Rates with two decimals: enough for a chart, and snapshots stay small.
double round2(double v) {
  return std::round(v * 100.0) / 100.0;
}

std::string status_of(const service_state& s, std::int64_t now_ms) {
  if (s.last_ack_at == 0 || now_ms - s.last_ack_at > service_stale_ms) return "stale";
  return s.missing > 0 ? "gapping" : "healthy";
}

json::object replay_json(const replay_counts& r) {
  return {{"pending", r.pending}, {"completed", r.completed}, {"failed", r.failed}};
}

struct merged_service {
  const stats::service_rates* rates = nullptr;
  const service_state* state = nullptr;
};

std::map<std::string, merged_service> merge(const stats::rates_view& rv, const system_state& st) {
  std::map<std::string, merged_service> out;
  for (const auto& r : rv.services)
    out[r.service].rates = &r;
  for (const auto& s : st.services)
    out[s.service].state = &s;
  return out;
}

json::object service_json(const std::string& name, const merged_service& m, std::int64_t now_ms,
                          bool with_gaps) {
  static const service_state none;
  const auto& s = m.state ? *m.state : none;
  json::object o{{"service", name},
                 {"eps", m.rates ? round2(m.rates->eps) : 0.0},
                 {"errorRate", m.rates ? round2(m.rates->error_rate * 10000) / 10000 : 0.0},
                 {"logsTotal", m.rates ? m.rates->logs_total : 0},
                 {"ackTill", s.ack_till},
                 {"contiguousTill", s.contiguous_till},
                 {"missing", s.missing},
                 {"bufferDepth", s.buffer_depth},
                 {"bufferFull", s.buffer_full},
                 {"heldBack", s.held_back},
                 {"sequenceReused", s.sequence_reused},
                 {"replays", replay_json(s.replays)},
                 {"lost", s.lost},
                 {"deadLetters", s.dead_letters},
                 {"deadLettersTotal", s.dead_letters_total},
                 {"status", status_of(s, now_ms)}};
  if (s.last_ack_at > 0) {
    o["lastAckAt"] = s.last_ack_at;
  } else {
    o["lastAckAt"] = nullptr;
  }
  if (with_gaps) {
    json::array gaps;
    for (const auto& g : s.gaps)
      gaps.push_back(json::array{g.lo, g.hi});
    o["gaps"] = std::move(gaps);
  }
  return o;
}

// Workers: this process's (the supervisor knows crashes) and every heartbeat in Redis
// (workers of other processes), fresh within the last ten minutes.
// One worker's SystemMetrics entry.
json::object worker_json(const worker::worker_state& w, const system_state& st, std::int64_t now_ms,
                         bool local, const std::string& host, std::int64_t pid) {
  auto it = st.heartbeats.find(w.id);
  std::int64_t beat = it == st.heartbeats.end() ? 0 : it->second;
  bool up = !w.down && now_ms - beat <= heartbeat_fresh_ms;
  json::object o{{"id", w.id},         {"state", up ? "up" : "down"},
                 {"lastSeenMs", beat}, {"restarts", w.restarts},
                 {"local", local},     {"host", host},
                 {"pid", pid}};
  if (w.down) {
    o["reason"] = "crash_worker";
    o["downSince"] = w.down_since;
    o["recoversAt"] = w.back_at;
  }
  return o;
}

json::array workers_json(const sources& s, const system_state& st,
                         const std::vector<process_share>& others, std::int64_t now_ms) {
  std::map<std::string, json::object> out;
  for (const auto& [id, beat] : st.heartbeats) {
    if (now_ms - beat > 600'000) continue;
    out[id] = {{"id", id},
               {"state", now_ms - beat <= heartbeat_fresh_ms ? "up" : "down"},
               {"lastSeenMs", beat},
               {"restarts", 0},
               {"local", false}};
  }
  // Every worker thread of every process that shares its metrics, with its host and pid.
  for (const auto& p : others)
    for (const auto& w : p.workers)
      out[w.id] = worker_json(w, st, now_ms, false, p.host, p.pid);
  if (s.local_workers)
    for (const auto& w : s.local_workers())
      out[w.id] = worker_json(w, st, now_ms, true, s.host, s.pid);
  json::array a;
  for (auto& [id, o] : out)
    a.push_back(std::move(o));
  return a;
}

// The shares of the other processes that are still fresh.
std::vector<process_share> others_of(const system_state& st, std::int64_t now_ms) {
  std::vector<process_share> out;
  for (const auto& text : st.processes)
    if (auto p = decode(text); p && now_ms - p->ts <= 5'000) out.push_back(std::move(*p));
  return out;
}

}  // namespace

// The system's figures: this process's recorder and counters plus every other process's share.
struct collector::merged {
  stats::rates_view rates;
  std::int64_t batches = 0, duplicates = 0, rejected = 0, dropped = 0, unavailable = 0;
};

collector::merged collector::merge_all(const std::vector<process_share>& others,
                                       std::int64_t now_ms) const {
  stats::recorder system(s_.rates->rate_window());
  system.add(s_.rates->state());
  merged m;
  m.batches = s_.ingest->batches();
  m.duplicates = s_.ingest->duplicates();
  m.rejected = s_.ingest->rejected();
  m.dropped = s_.ingest->dropped();
  m.unavailable = s_.ingest->unavailable_count();
  for (const auto& p : others) {
    system.add(p.rates);
    m.batches += p.batches;
    m.duplicates += p.duplicates;
    m.rejected += p.rejected;
    m.dropped += p.dropped;
    m.unavailable += p.unavailable;
  }
  m.rates = system.read(now_ms);
  return m;
}

std::string collector::share_json() const {
  process_share p;
  p.origin = s_.origin;
  p.host = s_.host;
  p.role = s_.role;
  p.pid = s_.pid;
  p.ts = now_epoch_ms();
  p.rates = s_.rates->state();
  p.batches = s_.ingest->batches();
  p.duplicates = s_.ingest->duplicates();
  p.rejected = s_.ingest->rejected();
  p.dropped = s_.ingest->dropped();
  p.unavailable = s_.ingest->unavailable_count();
  p.rows = s_.worker->rows();
  if (s_.local_workers) p.workers = s_.local_workers();
  return encode(p);
}

json::object collector::system_metrics(std::int64_t now_ms) const {
  auto st = s_.state->read();
  auto others = others_of(st, now_ms);
  auto all = merge_all(others, now_ms);
  const auto& rv = all.rates;
  json::object m;
  m["ts"] = now_ms;
  m["windowMs"] = s_.rates->rate_window().count() * 1000;
  m["ingest"] = {
      {"eps", round2(rv.ingest_eps)},      {"errorRate", round2(rv.error_rate * 10000) / 10000},
      {"logsTotal", rv.logs_total},        {"batchesTotal", all.batches},
      {"duplicatesTotal", all.duplicates}, {"rejectedTotal", all.rejected},
      {"droppedTotal", all.dropped},       {"unavailableTotal", all.unavailable}};
  m["insert"] = {{"eps", round2(rv.insert_eps)}, {"rowsTotal", rv.rows_total}};
  m["errorRate"] = round2(rv.error_rate * 10000) / 10000;
  m["ackLatencyMs"] = {{"p50", round2(rv.ack_p50_ms)},
                       {"p95", round2(rv.ack_p95_ms)},
                       {"p99", round2(rv.ack_p99_ms)},
                       {"count", rv.ack_count}};
  m["queue"] = {{"logs", st.queue_logs}, {"retry", st.queue_retry}, {"pending", st.queue_pending}};
  m["workers"] = workers_json(s_, st, others, now_ms);
  m["processes"] = static_cast<std::int64_t>(others.size()) + 1;
  json::array services;
  for (const auto& [name, ms] : merge(rv, st))
    services.push_back(service_json(name, ms, now_ms, false));
  m["services"] = std::move(services);
  m["replays"] = replay_json(st.replays);
  m["lost"] = st.lost;
  m["deadLetters"] = st.dead_letters;
  m["postgres"] = st.postgres_up ? "up" : "down";
  m["redis"] = st.redis_up ? "up" : "down";
  json::array faults;
  if (s_.faults) {
    for (const auto& f : s_.faults()) {
      json::object o{{"action", f.action}, {"since", f.since}, {"until", f.until}};
      for (const auto& [k, v] : f.params)
        o[k] = v;
      faults.push_back(std::move(o));
    }
  }
  m["faults"] = std::move(faults);
  m["realtime"] = {{"clients", s_.realtime->clients()},
                   {"framesSent", s_.realtime->frames_sent()},
                   {"framesDropped", s_.realtime->frames_dropped()},
                   {"logsSkipped", s_.realtime->logs_skipped()},
                   {"slowClientDisconnects", s_.realtime->slow_client_disconnects()},
                   {"pingTimeouts", s_.realtime->ping_timeouts()}};
  return m;
}

std::string collector::system_metrics_json() const {
  return json::serialize(system_metrics(now_epoch_ms()));
}

std::string collector::services_json() const {
  auto now_ms = now_epoch_ms();
  auto st = s_.state->read();
  auto rv = merge_all(others_of(st, now_ms), now_ms).rates;
  json::array services;
  for (const auto& [name, ms] : merge(rv, st))
    services.push_back(service_json(name, ms, now_ms, true));
  return json::serialize(json::object{{"services", std::move(services)}});
}

}  // namespace tracehub::metrics
