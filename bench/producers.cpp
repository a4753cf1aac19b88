#include "bench/producers.h"

#include <algorithm>
#include <atomic>
#include <barrier>
#include <charconv>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>

#include "backend/testing/http_client.h"
#include "bench/workload.h"

namespace tracehub::bench {

namespace {

// An integer field of a flat JSON object, 0 when absent (the ACK's numbers are integers).
std::int64_t json_int(std::string_view body, std::string_view key) {
  std::string quoted = "\"" + std::string(key) + "\":";
  auto at = body.find(quoted);
  if (at == std::string_view::npos) return 0;
  std::int64_t v = 0;
  auto from = body.data() + at + quoted.size();
  std::from_chars(from, body.data() + body.size(), v);
  return v;
}

// The services producer `p` posts for: its own share of them, or one it shares with others
// when there are fewer services than producers.
std::vector<std::size_t> services_of(std::size_t p, const producer_options& opts) {
  std::vector<std::size_t> out;
  if (opts.services < opts.producers) {
    out.push_back(p % opts.services);
    return out;
  }
  for (std::size_t s = p; s < opts.services; s += opts.producers)
    out.push_back(s);
  return out;
}

struct shared_state {
  explicit shared_state(std::size_t services) : next_seq(services) {
    for (auto& n : next_seq)
      n = 1;
  }
  std::vector<std::atomic<std::int64_t>> next_seq;  // per service
  std::mutex mutex;                                 // guards `results`
  producer_results results;
};

// One producer thread's results, merged under the mutex at the end.
struct local_results {
  std::vector<double> latency_ms;
  std::vector<accepted_batch> batches;
  std::int64_t accepted = 0, duplicates = 0, retries = 0, errors = 0;
  std::string first_error;
  steady::time_point last_answer{};
};

void produce(std::size_t p, const producer_options& opts, steady::time_point deadline,
             shared_state& shared, local_results& out) {
  testing::http_client client(opts.ports[p % opts.ports.size()]);
  const auto mine = services_of(p, opts);
  std::vector<std::string> names;
  for (auto s : mine)
    names.push_back(service_name(s));
  // At a rate: this producer's batches are due every `interval`, from the window's start plus
  // p / K of an interval, so the K producers' batches arrive evenly spaced, as independent
  // producers' do, not K at once (which measures how a burst of K batches queues, not the rate).
  const auto interval = std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(
      opts.rate > 0
          ? static_cast<double>(opts.batch * static_cast<std::int64_t>(opts.producers)) / opts.rate
          : 0.0));
  const auto start =
      steady::now() + interval * static_cast<std::int64_t>(p) /
                          static_cast<std::int64_t>(std::max<std::size_t>(opts.producers, 1));
  for (std::size_t turn = 0; steady::now() < deadline; ++turn) {
    const auto due = start + interval * static_cast<std::int64_t>(turn);
    if (due >= deadline) break;
    if (opts.rate > 0) std::this_thread::sleep_until(due);  // pacing, not synchronisation
    const std::size_t k = turn % mine.size();
    const std::int64_t first = shared.next_seq[mine[k]].fetch_add(opts.batch);
    std::string body = batch_body(names[k], first, opts.batch);
    for (;;) {  // until this batch is answered 200, or the producer gives up
      const auto sent = opts.rate > 0 ? due : steady::now();
      auto r = client.post("/ingest", body);
      const auto answered = steady::now();
      out.last_answer = answered;
      if (r.status == 200) {
        out.latency_ms.push_back(
            std::chrono::duration<double, std::milli>(answered - sent).count());
        const std::int64_t accepted = json_int(r.body, "accepted");
        out.accepted += accepted;
        out.duplicates += json_int(r.body, "duplicates");
        if (accepted > 0) out.batches.push_back({mine[k], first, opts.batch, answered});
        break;
      }
      if (r.status == 503 && answered < deadline) {
        ++out.retries;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      ++out.errors;
      if (out.first_error.empty())
        out.first_error = "HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 300);
      if (r.status != 503) return;  // a refusal or a dead backend: stop this producer
      break;
    }
  }
}

void merge(local_results& l, producer_results& r) {
  r.ack_latency_ms.insert(r.ack_latency_ms.end(), l.latency_ms.begin(), l.latency_ms.end());
  r.batches.insert(r.batches.end(), l.batches.begin(), l.batches.end());
  r.accepted_logs += l.accepted;
  r.duplicates += l.duplicates;
  r.retries_503 += l.retries;
  r.errors += l.errors;
  if (r.first_error.empty()) r.first_error = l.first_error;
  r.end = std::max(r.end, l.last_answer);
}

}  // namespace

producer_results run_producers(const producer_options& opts) {
  shared_state shared(std::max<std::size_t>(opts.services, 1));
  std::barrier ready(static_cast<std::ptrdiff_t>(opts.producers + 1));
  steady::time_point deadline{};
  std::vector<std::thread> threads;
  for (std::size_t p = 0; p < opts.producers; ++p) {
    threads.emplace_back([&, p] {
      local_results mine;
      ready.arrive_and_wait();  // the deadline is set before the barrier opens
      produce(p, opts, deadline, shared, mine);
      std::lock_guard lock(shared.mutex);
      merge(mine, shared.results);
    });
  }
  shared.results.start = steady::now();
  shared.results.end = shared.results.start;
  deadline = shared.results.start + opts.duration;
  ready.arrive_and_wait();
  for (auto& t : threads)
    t.join();
  auto& r = shared.results;
  std::sort(
      r.batches.begin(), r.batches.end(),
      [](const accepted_batch& a, const accepted_batch& b) { return a.acked_at < b.acked_at; });
  std::sort(r.ack_latency_ms.begin(), r.ack_latency_ms.end());
  return std::move(r);
}

}  // namespace tracehub::bench
