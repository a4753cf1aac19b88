// GET /metrics/prometheus: the Prometheus text exposition format (version 0.0.4). Counters
// are totals since start (or the last reset) and end in _total; gauges are the values now;
// ACK latency is a cumulative histogram in seconds. Rates are left to PromQL's rate().
#include <cstdio>
#include <functional>
#include <map>
#include <vector>

#include "backend/base/clock.h"
#include "backend/metrics/metrics.h"

namespace tracehub::metrics {

namespace {

std::string label_value(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// Bucket bounds as written in the exposition ("0.0025", not "0.0025000000000000001").
std::string short_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

class writer {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  void sample(std::string_view name, std::string_view labels, std::int64_t v) {
    line(name, labels, std::to_string(v));
  }
  void sample(std::string_view name, std::string_view labels, double v) {
    line(name, labels, number(v));
  }
  std::string take() { return std::move(out_); }

 private:
  void line(std::string_view name, std::string_view labels, const std::string& v) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      out_ += labels;
      out_ += '}';
    }
    out_ += ' ';
    out_ += v;
    out_ += '\n';
  }
  std::string out_;
};

std::string label(std::string_view key, std::string_view v) {
  return std::string(key) + "=\"" + label_value(v) + "\"";
}

// What one render reads, taken once.
struct inputs {
  const stats::rates_view& rates;
  const system_state& state;
  const boost::json::object& metrics;  // SystemMetrics
  const sources& s;
};

// One metric family: its header, and the samples it writes (named `name`, or `name` plus a
// suffix for a histogram's series).
struct family {
  std::string_view name, type, help;
  std::function<void(writer&, std::string_view name, const inputs&)> samples;
};

// A family of one unlabelled sample.
template <class F>
std::function<void(writer&, std::string_view, const inputs&)> one(F value) {
  return [value](writer& w, std::string_view name, const inputs& in) {
    w.sample(name, "", value(in));
  };
}

// A gauge per service: the SystemMetrics service field `field`.
std::function<void(writer&, std::string_view, const inputs&)> per_service(const char* field) {
  return [field](writer& w, std::string_view name, const inputs& in) {
    for (const auto& v : in.metrics.at("services").as_array()) {
      const auto& o = v.as_object();
      w.sample(name, label("service", o.at("service").as_string()),
               o.at(field).to_number<double>());
    }
  };
}

std::int64_t flag(bool on) {
  return on ? 1 : 0;
}

// Every family, in the order of the exposition.
const std::vector<family>& families() {
  static const std::vector<family> table{
      {"tracehub_ingest_logs_total", "counter", "Logs accepted by POST /ingest.",
       [](writer& w, std::string_view name, const inputs& in) {
         for (const auto& s : in.rates.services)
           w.sample(name, label("service", s.service), s.logs_total);
       }},
      {"tracehub_ingest_error_logs_total", "counter", "Accepted logs at level error or fatal.",
       [](writer& w, std::string_view name, const inputs& in) {
         for (const auto& s : in.rates.services)
           w.sample(name, label("service", s.service), s.errors_total);
       }},
      {"tracehub_ingest_batches_total", "counter", "Batches acknowledged.",
       one([](const inputs& in) { return in.s.ingest->batches(); })},
      {"tracehub_ingest_duplicates_total", "counter",
       "Seqs received again and absorbed (not stored twice).",
       one([](const inputs& in) { return in.s.ingest->duplicates(); })},
      {"tracehub_ingest_rejected_total", "counter", "Batches rejected as bad input (4xx).",
       one([](const inputs& in) { return in.s.ingest->rejected(); })},
      {"tracehub_ingest_dropped_total", "counter", "Requests dropped by the drop_network fault.",
       one([](const inputs& in) { return in.s.ingest->dropped(); })},
      {"tracehub_ingest_unavailable_total", "counter",
       "Batches answered 503 (Redis down, queue full, reset in progress).",
       one([](const inputs& in) { return in.s.ingest->unavailable_count(); })},
      {"tracehub_insert_rows_total", "counter", "Rows the queue workers wrote to Postgres.",
       one([](const inputs& in) { return in.rates.rows_total; })},

      {"tracehub_ack_latency_seconds", "histogram",
       "Time from receiving a batch to sending its ACK.",
       [](writer& w, std::string_view name, const inputs& in) {
         const auto& l = in.rates.latency;
         std::string bucket = std::string(name) + "_bucket";
         for (std::size_t i = 0; i < l.bounds_s.size(); ++i)
           w.sample(bucket, label("le", short_number(l.bounds_s[i])), l.buckets[i]);
         w.sample(bucket, label("le", "+Inf"), l.count);
         w.sample(std::string(name) + "_sum", "", l.sum_s);
         w.sample(std::string(name) + "_count", "", l.count);
       }},

      {"tracehub_queue_entries", "gauge", "Batch entries waiting in a queue stream.",
       [](writer& w, std::string_view name, const inputs& in) {
         w.sample(name, label("queue", "queue:logs"), in.state.queue_logs);
         w.sample(name, label("queue", "queue:retry"), in.state.queue_retry);
       }},
      {"tracehub_queue_pending_entries", "gauge",
       "Entries of queue:logs read by a worker and not yet acknowledged.",
       one([](const inputs& in) { return in.state.queue_pending; })},

      {"tracehub_worker_up", "gauge", "1 while the worker is alive (fresh heartbeat).",
       [](writer& w, std::string_view name, const inputs& in) {
         for (const auto& v : in.metrics.at("workers").as_array()) {
           const auto& o = v.as_object();
           w.sample(name, label("worker", o.at("id").as_string()),
                    flag(o.at("state").as_string() == "up"));
         }
       }},

      {"tracehub_service_ack_till", "gauge", "Highest seq received for the service.",
       per_service("ackTill")},
      {"tracehub_service_missing_seqs", "gauge", "Seqs at or below ackTill not yet received.",
       per_service("missing")},
      {"tracehub_service_buffer_entries", "gauge",
       "Entries in the producer's buffer (-1 when unknown).", per_service("bufferDepth")},
      {"tracehub_service_lost_seqs", "gauge", "Seqs reported lost for the service.",
       per_service("lost")},
      {"tracehub_service_dead_letters", "gauge",
       "Rows of the service Postgres refused, not yet stored by a retry.",
       per_service("deadLetters")},
      {"tracehub_dead_letters_total", "counter",
       "Rows Postgres refused for a data reason, recorded in dead_letters.",
       per_service("deadLettersTotal")},
      {"tracehub_sequence_reused_total", "counter",
       "Batches refused because their producer id does not own their seqs.",
       per_service("sequenceReused")},
      {"tracehub_service_ingest_logs_per_second", "gauge",
       "Logs accepted per second over the rate window.", per_service("eps")},
      {"tracehub_service_status", "gauge", "1 for the service's current status.",
       [](writer& w, std::string_view name, const inputs& in) {
         for (const auto& v : in.metrics.at("services").as_array()) {
           const auto& o = v.as_object();
           for (const char* status : {"healthy", "gapping", "stale"})
             w.sample(name,
                      label("service", o.at("service").as_string()) + "," + label("status", status),
                      flag(o.at("status").as_string() == status));
         }
       }},

      {"tracehub_replay_requests", "gauge", "Replay requests by status.",
       [](writer& w, std::string_view name, const inputs& in) {
         w.sample(name, label("status", "pending"), in.state.replays.pending);
         w.sample(name, label("status", "completed"), in.state.replays.completed);
         w.sample(name, label("status", "failed"), in.state.replays.failed);
       }},
      {"tracehub_lost_seqs", "gauge", "Seqs reported lost, all services.",
       one([](const inputs& in) { return in.state.lost; })},

      {"tracehub_postgres_up", "gauge", "1 while Postgres answers.",
       one([](const inputs& in) { return flag(in.state.postgres_up); })},
      {"tracehub_redis_up", "gauge", "1 while Redis answers.",
       one([](const inputs& in) { return flag(in.state.redis_up); })},

      {"tracehub_fault_active", "gauge", "1 while the fault is active.",
       [](writer& w, std::string_view name, const inputs& in) {
         std::map<std::string, int> active{
             {"crash_worker", 0}, {"drop_network", 0}, {"delay_ack", 0}};
         for (const auto& v : in.metrics.at("faults").as_array())
           active[std::string(v.as_object().at("action").as_string())] = 1;
         for (const auto& [action, on] : active)
           w.sample(name, label("action", action), std::int64_t{on});
       }},

      {"tracehub_realtime_clients", "gauge", "Connected Socket.IO clients.",
       one([](const inputs& in) { return in.s.realtime->clients(); })},
      {"tracehub_realtime_frames_sent_total", "counter", "Event frames sent to clients.",
       one([](const inputs& in) { return in.s.realtime->frames_sent(); })},
      {"tracehub_realtime_frames_dropped_total", "counter",
       "Event frames dropped for slow clients.",
       one([](const inputs& in) { return in.s.realtime->frames_dropped(); })},
      {"tracehub_realtime_slow_client_disconnects_total", "counter",
       "Clients disconnected because their queue stayed full.",
       one([](const inputs& in) { return in.s.realtime->slow_client_disconnects(); })},
  };
  return table;
}

}  // namespace

std::string collector::prometheus_text() const {
  auto now_ms = now_epoch_ms();
  auto rv = s_.rates->read(now_ms);
  auto st = s_.state->read();
  auto m = system_metrics(now_ms);
  inputs in{rv, st, m, s_};
  writer w;
  for (const auto& f : families()) {
    w.family(f.name, f.type, f.help);
    f.samples(w, f.name, in);
  }
  return w.take();
}

}  // namespace tracehub::metrics
