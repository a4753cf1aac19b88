// control/flush.h — the flush_queue fault (docs/PROTOCOL.md, "Controls"): purge queue:logs and
// queue:retry, and turn every purged seq into a replay request (source `flush`).
//
// Entries are taken from the consumer group like a worker takes them (consumer "flusher"),
// so an entry a worker is writing is never purged and no entry is purged twice. Per chunk:
//   1. the chunk's seq ranges become `flush` replay requests in Postgres (committed);
//   2. one Redis script acknowledges and deletes the chunk's entries and re-opens their seqs
//      as gaps (gaps:{svc}, ack:{svc}.missing): they are no longer held.
// The replay worker then recovers what the producers still buffer and reports the rest lost,
// by seq. Killed between 1 and 2, the entries stay pending for "flusher", a worker claims them
// later and writes them, and the requests find nothing missing: nothing lost either way.
// Blocking: run it on a blocking pool.
#pragma once

#include <cstdint>
#include <string>

#include "backend/base/result.h"
#include "backend/redis/endpoint.h"

namespace tracehub::control {

struct flush_outcome {
  std::int64_t entries = 0;   // queue entries (batches) purged
  std::int64_t seqs = 0;      // stored-to-be seqs purged (now missing)
  std::int64_t requests = 0;  // replay requests created (rows and the entries' own gaps)
};

result<flush_outcome> flush_queues(const std::string& database_url, const redis::endpoint& redis);

}  // namespace tracehub::control
