// bench/producers.h — K producer threads posting batches to POST /ingest, at full speed or at a
// given rate.
//
// Each producer has one keep-alive HTTP connection, to API process p mod N of the N given, and
// posts batches of consecutive seqs for its services until the deadline, timing every request.
// Seqs of one service are handed out by a shared counter, so services may be shared by several
// producers (--services < --producers). A 503 (queue full, Redis away) is retried with the same
// seqs after a short pause; any other non-200 answer stops that producer and is counted as an
// error.
//
// At a given rate (logs/s over all producers) each producer sends on a fixed schedule, one batch
// every batch * producers / rate seconds, whether or not the last answer has come (open loop: a
// producer that falls behind sends at once). Latency is then timed from the batch's scheduled
// time, so a stalled backend shows as latency rather than as fewer requests.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace tracehub::bench {

using steady = std::chrono::steady_clock;

struct producer_options {
  std::vector<unsigned short> ports;  // the API processes; producer p posts to p mod size
  std::size_t producers = 4;
  std::size_t services = 4;
  std::int64_t batch = 500;
  std::chrono::seconds duration{30};
  double rate = 0;  // logs/s over all producers; 0: as fast as answers come
};

// One accepted batch, enough to regenerate its body (workload.h).
struct accepted_batch {
  std::size_t service;
  std::int64_t first_seq;
  std::int64_t count;
  steady::time_point acked_at;
};

struct producer_results {
  steady::time_point start, end;        // first request sent, last answer received
  std::vector<double> ack_latency_ms;   // one per 200 answer
  std::vector<accepted_batch> batches;  // ascending by acked_at
  std::int64_t accepted_logs = 0;       // sum of the ACKs' `accepted`
  std::int64_t duplicates = 0;          // sum of the ACKs' `duplicates` (0 unless retried)
  std::int64_t retries_503 = 0;
  std::int64_t errors = 0;  // other answers, or no answer at all
  std::string first_error;  // status and body of the first error
};

// Runs the producers and returns when all have passed the deadline.
producer_results run_producers(const producer_options& opts);

}  // namespace tracehub::bench
