// retention/partitions.h — the partitions of `logs` (docs/PROTOCOL.md, "Retention"): made ahead
// of time, and removed a chunk at a time once older than the retention period.
//
// Blocking calls on the caller's connection, which must be idle (outside a transaction); each
// call runs its own statements and transactions and leaves it idle. Safe to call from several
// processes at once: partition creation and chunk removal each serialise on an advisory lock.
#pragma once

#include <cstdint>
#include <string>

#include "backend/base/result.h"
#include "backend/pg/connection.h"
#include "backend/retention/policy.h"

namespace tracehub::retention {

// Makes every ingest time before `until_ms` (epoch ms) fall in a partition of `p.chunk`
// (logs_add_partitions, migration 0008). Returns the end of the newest partition (epoch ms).
// Errors: pg::errc of the statement.
result<std::int64_t> cover(pg::connection& c, const policy& p, std::int64_t until_ms);

struct drop_report {
  int chunks = 0;        // partitions removed
  int services = 0;      // logs_expired rows written (one per service and chunk)
  bool skipped = false;  // another process holds the removal lock: nothing done
};

// Removes every partition that ends `p.period` or longer ago, oldest first, and finishes any
// removal a process began and did not end. Per chunk: its end becomes logs_retention's
// expired_before (the worker stores no older row from then on); ALTER TABLE logs DETACH
// PARTITION ... CONCURRENTLY (ingest and queries go on; only older transactions are waited
// for); then, in one transaction, its highest seq per service goes to logs_expired and the
// table is dropped. Nothing when `p` keeps everything (unfinished removals are still
// finished). Errors: pg::errc of the failing statement (a detach cut short by its timeout is
// finished by a later call).
result<drop_report> drop_expired(pg::connection& c, const policy& p);

}  // namespace tracehub::retention
