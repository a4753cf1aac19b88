// ingest/ingest.h — POST /ingest: body -> validation -> atomic ACK step + enqueue -> ACK.
//
// Owns nothing durable: the ACK state and the queue live in Redis (see ack_script.h), so any
// number of backend instances give the same ACKs. A batch is accepted or rejected whole; a
// rejected batch changes nothing. The handler runs on the io thread and never blocks it (one
// Redis round trip per batch, pipelined with other sessions' on one connection).
#pragma once

#include <cstdint>
#include <memory>

#include <boost/asio/awaitable.hpp>

#include "backend/events/bus.h"
#include "backend/faults/network.h"
#include "backend/http/reply.h"
#include "backend/ingest/ack_script.h"
#include "backend/ingest/batch_parser.h"
#include "backend/redis/async_connection.h"
#include "backend/stats/ingest_probe.h"
#include "backend/stats/recorder.h"

namespace tracehub::ingest {

struct options {
  ingest::limits limits;
  // Back-pressure (ack_script.h): past it ingest answers 503 queue_full with Retry-After and
  // the producer keeps its buffer. Bounds Redis memory when the worker cannot keep up.
  queue_budget queue;
  // At most this many seqs are listed in an ACK's `missing` (missingTotal has the full count).
  std::int64_t missing_limit = 10'000;
};

class ingest_handler {
 public:
  ingest_handler(std::shared_ptr<redis::async_connection> redis, options opts,
                 std::shared_ptr<stats::ingest_probe> probe,
                 std::shared_ptr<faults::network> faults,
                 std::shared_ptr<events::bus> bus = nullptr,
                 std::shared_ptr<stats::recorder> stats = nullptr);

  // POST /ingest. 200 with the ACK; 4xx {error, detail, index} for bad input; 503 when Redis
  // is unreachable or the queue is full (the batch is then not acknowledged: retry it).
  // 503 `paused` while a reset clears the state. While delay_ack is active the answer is
  // held back. Each 200 is recorded (logs, errors, ACK latency) in `stats` and also published on
  // the bus (if any) as `ack:sent {service, ackTill, missing, missingTotal}` with at most the first
  // 100 missing seqs.
  boost::asio::awaitable<http::reply> operator()(http::request& req);

 private:
  std::shared_ptr<redis::async_connection> redis_;
  options opts_;
  std::shared_ptr<stats::ingest_probe> probe_;
  std::shared_ptr<faults::network> faults_;
  std::shared_ptr<events::bus> bus_;        // may be null
  std::shared_ptr<stats::recorder> stats_;  // may be null
  batch_parser parser_;
};

}  // namespace tracehub::ingest
