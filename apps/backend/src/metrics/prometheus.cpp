// GET /metrics/prometheus: the Prometheus text exposition format (version 0.0.4). Counters
// are totals since start (or the last reset) and end in _total; gauges are the values now;
// ACK latency is a cumulative histogram in seconds. Rates are left to PromQL's rate().
#include <cstdio>
#include <map>

#include "base/clock.h"
#include "metrics/metrics.h"

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

}  // namespace

std::string collector::prometheus_text() const {
  auto now_ms = now_epoch_ms();
  auto rv = s_.rates->read(now_ms);
  auto st = s_.state->read();
  auto m = system_metrics(now_ms);
  writer w;

  w.family("tracehub_ingest_logs_total", "counter", "Logs accepted by POST /ingest.");
  for (const auto& s : rv.services)
    w.sample("tracehub_ingest_logs_total", label("service", s.service), s.logs_total);
  w.family("tracehub_ingest_error_logs_total", "counter", "Accepted logs at level error or fatal.");
  for (const auto& s : rv.services)
    w.sample("tracehub_ingest_error_logs_total", label("service", s.service), s.errors_total);
  w.family("tracehub_ingest_batches_total", "counter", "Batches acknowledged.");
  w.sample("tracehub_ingest_batches_total", "", s_.ingest->batches());
  w.family("tracehub_ingest_duplicates_total", "counter",
           "Seqs received again and absorbed (not stored twice).");
  w.sample("tracehub_ingest_duplicates_total", "", s_.ingest->duplicates());
  w.family("tracehub_ingest_rejected_total", "counter", "Batches rejected as bad input (4xx).");
  w.sample("tracehub_ingest_rejected_total", "", s_.ingest->rejected());
  w.family("tracehub_ingest_dropped_total", "counter",
           "Requests dropped by the drop_network fault.");
  w.sample("tracehub_ingest_dropped_total", "", s_.ingest->dropped());
  w.family("tracehub_ingest_unavailable_total", "counter",
           "Batches answered 503 (Redis down, queue full, reset in progress).");
  w.sample("tracehub_ingest_unavailable_total", "", s_.ingest->unavailable_count());
  w.family("tracehub_insert_rows_total", "counter", "Rows the queue workers wrote to Postgres.");
  w.sample("tracehub_insert_rows_total", "", rv.rows_total);

  w.family("tracehub_ack_latency_seconds", "histogram",
           "Time from receiving a batch to sending its ACK.");
  for (std::size_t i = 0; i < rv.latency.bounds_s.size(); ++i)
    w.sample("tracehub_ack_latency_seconds_bucket",
             label("le", short_number(rv.latency.bounds_s[i])), rv.latency.buckets[i]);
  w.sample("tracehub_ack_latency_seconds_bucket", label("le", "+Inf"), rv.latency.count);
  w.sample("tracehub_ack_latency_seconds_sum", "", rv.latency.sum_s);
  w.sample("tracehub_ack_latency_seconds_count", "", rv.latency.count);

  w.family("tracehub_queue_entries", "gauge", "Batch entries waiting in a queue stream.");
  w.sample("tracehub_queue_entries", label("queue", "queue:logs"), st.queue_logs);
  w.sample("tracehub_queue_entries", label("queue", "queue:retry"), st.queue_retry);
  w.family("tracehub_queue_pending_entries", "gauge",
           "Entries of queue:logs read by a worker and not yet acknowledged.");
  w.sample("tracehub_queue_pending_entries", "", st.queue_pending);

  w.family("tracehub_worker_up", "gauge", "1 while the worker is alive (fresh heartbeat).");
  for (const auto& v : m.at("workers").as_array()) {
    const auto& o = v.as_object();
    w.sample("tracehub_worker_up", label("worker", o.at("id").as_string()),
             std::int64_t{o.at("state").as_string() == "up" ? 1 : 0});
  }

  const auto& services = m.at("services").as_array();
  auto per_service = [&](std::string_view name, std::string_view help, const char* field) {
    w.family(name, "gauge", help);
    for (const auto& v : services) {
      const auto& o = v.as_object();
      w.sample(name, label("service", o.at("service").as_string()),
               o.at(field).to_number<double>());
    }
  };
  per_service("tracehub_service_ack_till", "Highest seq received for the service.", "ackTill");
  per_service("tracehub_service_missing_seqs", "Seqs at or below ackTill not yet received.",
              "missing");
  per_service("tracehub_service_buffer_entries",
              "Entries in the producer's buffer (-1 when unknown).", "bufferDepth");
  per_service("tracehub_service_lost_seqs", "Seqs reported lost for the service.", "lost");
  per_service("tracehub_service_dead_letters",
              "Rows of the service Postgres refused, not yet stored by a retry.", "deadLetters");
  w.family("tracehub_dead_letters_total", "counter",
           "Rows Postgres refused for a data reason, recorded in dead_letters.");
  for (const auto& v : services) {
    const auto& o = v.as_object();
    w.sample("tracehub_dead_letters_total", label("service", o.at("service").as_string()),
             o.at("deadLettersTotal").to_number<double>());
  }
  w.family("tracehub_sequence_reused_total", "counter",
           "Batches refused because their producer id does not own their seqs.");
  for (const auto& v : services) {
    const auto& o = v.as_object();
    w.sample("tracehub_sequence_reused_total", label("service", o.at("service").as_string()),
             o.at("sequenceReused").to_number<double>());
  }
  per_service("tracehub_service_ingest_logs_per_second",
              "Logs accepted per second over the rate window.", "eps");
  w.family("tracehub_service_status", "gauge", "1 for the service's current status.");
  for (const auto& v : services) {
    const auto& o = v.as_object();
    for (const char* status : {"healthy", "gapping", "stale"})
      w.sample("tracehub_service_status",
               label("service", o.at("service").as_string()) + "," + label("status", status),
               std::int64_t{o.at("status").as_string() == status ? 1 : 0});
  }

  w.family("tracehub_replay_requests", "gauge", "Replay requests by status.");
  w.sample("tracehub_replay_requests", label("status", "pending"), st.replays.pending);
  w.sample("tracehub_replay_requests", label("status", "completed"), st.replays.completed);
  w.sample("tracehub_replay_requests", label("status", "failed"), st.replays.failed);
  w.family("tracehub_lost_seqs", "gauge", "Seqs reported lost, all services.");
  w.sample("tracehub_lost_seqs", "", st.lost);

  w.family("tracehub_postgres_up", "gauge", "1 while Postgres answers.");
  w.sample("tracehub_postgres_up", "", std::int64_t{st.postgres_up ? 1 : 0});
  w.family("tracehub_redis_up", "gauge", "1 while Redis answers.");
  w.sample("tracehub_redis_up", "", std::int64_t{st.redis_up ? 1 : 0});

  w.family("tracehub_fault_active", "gauge", "1 while the fault is active.");
  std::map<std::string, int> active{{"crash_worker", 0}, {"drop_network", 0}, {"delay_ack", 0}};
  for (const auto& v : m.at("faults").as_array())
    active[std::string(v.as_object().at("action").as_string())] = 1;
  for (const auto& [action, on] : active)
    w.sample("tracehub_fault_active", label("action", action), std::int64_t{on});

  w.family("tracehub_realtime_clients", "gauge", "Connected Socket.IO clients.");
  w.sample("tracehub_realtime_clients", "", s_.realtime->clients());
  w.family("tracehub_realtime_frames_sent_total", "counter", "Event frames sent to clients.");
  w.sample("tracehub_realtime_frames_sent_total", "", s_.realtime->frames_sent());
  w.family("tracehub_realtime_frames_dropped_total", "counter",
           "Event frames dropped for slow clients.");
  w.sample("tracehub_realtime_frames_dropped_total", "", s_.realtime->frames_dropped());
  w.family("tracehub_realtime_slow_client_disconnects_total", "counter",
           "Clients disconnected because their queue stayed full.");
  w.sample("tracehub_realtime_slow_client_disconnects_total", "",
           s_.realtime->slow_client_disconnects());
  return w.take();
}

}  // namespace tracehub::metrics
