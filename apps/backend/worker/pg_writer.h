// worker/pg_writer.h — one transaction per group of entries (internal to worker/).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "backend/base/result.h"
#include "backend/pg/connection.h"
#include "backend/queue/entry.h"
#include "backend/retention/policy.h"

namespace tracehub::worker {

using entry = queue::entry;

// A row Postgres refused for a data reason, recorded in dead_letters.
struct dead_letter {
  std::string service;
  std::int64_t seq = 0;
  std::string reason;  // Postgres' message
};

struct write_outcome {
  std::int64_t inserted = 0;      // rows stored (rows already present are skipped)
  std::vector<dead_letter> dead;  // rows refused, recorded in dead_letters instead
  // Rows not stored because their entry is older than what retention keeps (logs_expired
  // records them), and which entries (indexes into the written vector) those were.
  std::int64_t expired = 0;
  std::vector<std::size_t> expired_entries;
};

// Each entry's rows as binary COPY tuples (queue/copy_binary.h) with the entry's `at` as
// ingested_at, made before the transaction (worker/prefetch.h renders a group while the one
// before it is written). nullopt for an entry with nothing to store or with a row not of the
// queue's form.
using rendered_rows = std::vector<std::optional<std::string>>;
rendered_rows render(const std::vector<entry>& entries);

class pg_writer {
 public:
  // `partitions`: the partition width, for the rare entry newer than every partition (made on
  // the spot; the retention maintainer normally makes them ahead).
  pg_writer(std::string url, retention::policy partitions)
      : url_(std::move(url)), partitions_(partitions) {}

  // Writes every entry's rows, gaps (as pending replay requests) and ACK state in one
  // transaction. Each row is stored with its entry's `at` as ingested_at, which picks its
  // partition; an entry older than retention's horizon stores no row (write_outcome::expired). A
  // row Postgres refuses for a data reason does not hold up the others: the transaction is redone
  // isolating the rows (halving them under savepoints until each refused row stands alone), every
  // other row is stored, and each refused row goes to dead_letters with Postgres' message, in the
  // same transaction. With `isolate_transient`, a row that fails on its own for a transient reason
  // is dead-lettered too (for entries that keep failing while Postgres answers). Entries re-queued
  // from dead_letters resolve their dead letters once stored. Errors: pg::is_transient ones when
  // Postgres is unreachable or busy (nothing was written; the connection is reopened on the next
  // call), another pg::errc when the transaction failed outside the rows. `rendered`, when given
  // (parallel to `entries`), spares rendering the rows of the entries stored whole.
  result<write_outcome> write(const std::vector<entry>& entries, bool isolate_transient = false,
                              const rendered_rows* rendered = nullptr);

  // True when Postgres answers a trivial query (reconnecting if needed): tells an outage from a
  // failure of particular entries.
  bool reachable();

 private:
  enum class mode { fast, stage, isolate };
  status connect();
  status cover(const std::vector<entry>& entries);
  result<write_outcome> write_once(const std::vector<entry>& entries, mode m,
                                   bool isolate_transient, const rendered_rows* rendered);

  std::string url_;
  retention::policy partitions_;
  std::int64_t covered_until_ms_ = 0;  // every `at` before it has a partition
  std::optional<pg::connection> conn_;
};

}  // namespace tracehub::worker
