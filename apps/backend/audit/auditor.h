// audit/auditor.h — checks the ACK state against Postgres (docs/PROTOCOL.md, "Audit").
//
// An ACK promises that every seq <= ackTill not missing is durably held. Redis holds those
// seqs until the worker has stored them; if a queue entry vanishes outside TraceHub's control
// (deleted by hand, lost with Redis' last second of AOF), nothing else would ever notice. One
// round of the audit:
//   1. snapshots, atomically, each service's ackTill, missing ranges (gaps:{svc}) and lost
//      ranges (lost:{svc}) with the id of the queue's newest entry;
//   2. waits until the queue has moved past that entry (nothing queued at the snapshot is
//      still in queue:logs, and queue:retry is empty): every seq ACKed by then has been
//      stored, dead-lettered, or taken by flush_queue into a replay request;
//   3. per service, counts the rows of the seqs that must be stored (ACKed, not missing, not
//      lost, not being replayed; dead letters count as present) in chunks, and descends only
//      into a chunk whose count is short, so the cost grows with the ranges and the holes,
//      not the rows;
//   4. records each hole as lost with reason `audit` (lost_seqs and lost:{svc}), and how far
//      the service is verified, so the next round starts there.
// One round at a time across all processes (a Redis lock); a reset during a round makes it
// record nothing.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "backend/audit/ranges.h"
#include "backend/base/result.h"
#include "backend/redis/endpoint.h"

namespace tracehub::audit {

struct options {
  std::string database_url;
  redis::endpoint redis;
  // Background rounds (0: none; POST /audit still runs one).
  std::chrono::milliseconds interval{10'000};
  // A replay request updated this recently may still be bringing its seqs back: they are
  // checked by a later round.
  std::chrono::milliseconds replay_grace{120'000};
  std::int64_t chunk = 1'000'000;  // seqs counted by one query at most
  std::int64_t leaf = 256;         // a short range this small is read seq by seq
};

struct service_report {
  std::string service;
  std::int64_t checked = 0;  // seqs whose rows were counted
  std::int64_t verified_till = 0;
  ranges holes;  // recorded as lost, reason `audit`
};

struct report {
  bool done = false;
  std::string deferred;  // why the round did not run to the end (done == false)
  std::vector<service_report> services;
  std::int64_t queries = 0;  // Postgres queries spent counting
  std::int64_t duration_ms = 0;
  std::int64_t lost() const;
};

// One round, blocking (see the header comment). `wait` bounds steps 1-2 (the lock and the
// queue moving past the snapshot); past it the round is deferred. Errors: Redis or Postgres
// unreachable.
// `cancel`, when given and set, ends the waits early (deferred).
result<report> run_round(const options& opts, std::chrono::milliseconds wait,
                         const std::atomic<bool>* cancel = nullptr);

// {"done":true,"services":[{service, checked, verifiedTill, holes:[{from,to,count}]}],"lost":n,
//  "queries":n,"durationMs":n} or {"done":false,"deferred":"why",...}.
std::string to_json(const report& r);

// Background rounds every `interval` on one thread.
class auditor {
 public:
  explicit auditor(options opts) : opts_(std::move(opts)) {}
  ~auditor();
  auditor(const auditor&) = delete;
  auditor& operator=(const auditor&) = delete;

  void start();
  void stop();

 private:
  options opts_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::atomic<bool> cancel_{false};
  std::thread thread_;
};

}  // namespace tracehub::audit
