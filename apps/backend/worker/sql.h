// worker/sql.h — every SQL statement the worker runs.
#pragma once

#include <string>
#include <string_view>

#include "backend/queue/copy_row.h"

namespace tracehub::worker::sql {

// The worker's rows carry one more column than the queue's: ingested_at, the entry's `at`
// (queue::stored_columns). It picks the partition, so a redelivered entry meets its rows again.
//
// Fast path: the rows go straight into logs. A redelivered entry makes it fail on the unique
// key (service, seq) of the partition; the transaction is then redone through the stage below,
// whose insert skips rows already stored (every unique key of the partition is an arbiter: the
// partitions' own UNIQUE (service, seq), migration 0008) and counts the rest.
inline const std::string copy_logs =
    "COPY logs (" + std::string(queue::stored_columns) + ") FROM STDIN";
// The same in binary (queue/copy_binary.h renders the rows): what the fast path sends.
inline const std::string copy_logs_binary =
    "COPY logs (" + std::string(queue::stored_columns) + ") FROM STDIN (FORMAT binary)";

// The stage's columns are queue::stored_columns with their types.
inline constexpr std::string_view create_stage =
    "CREATE TEMP TABLE IF NOT EXISTS logs_stage (service text, seq bigint, level text, "
    "message text, request_id text, ts timestamptz, attrs jsonb, ingested_at timestamptz) "
    "ON COMMIT DELETE ROWS";
inline const std::string copy_stage =
    "COPY logs_stage (" + std::string(queue::stored_columns) + ") FROM STDIN";
// Row isolation: one chunk of rows is copied to the stage and inserted under a savepoint.
inline const std::string insert_from_stage_counted =
    "WITH ins AS (INSERT INTO logs (" + std::string(queue::stored_columns) + ") SELECT " +
    std::string(queue::stored_columns) +
    " FROM logs_stage ON CONFLICT DO NOTHING RETURNING 1) SELECT count(*) FROM ins";
inline constexpr std::string_view clear_stage = "TRUNCATE logs_stage";
inline constexpr std::string_view savepoint = "SAVEPOINT isolate";
inline constexpr std::string_view release_savepoint = "RELEASE SAVEPOINT isolate";
inline constexpr std::string_view rollback_to_savepoint =
    "ROLLBACK TO SAVEPOINT isolate; RELEASE SAVEPOINT isolate";

// Retention (docs/PROTOCOL.md, "Retention"): rows ingested before this (epoch ms; NULL: none)
// have been removed or are being removed. An entry older than it is not stored: its partition
// is gone or going, and storing it elsewhere could store a seq twice.
inline constexpr std::string_view expired_before =
    "SELECT (extract(epoch FROM expired_before) * 1000)::bigint FROM logs_retention";

// $1 services, $2 seqs: the highest seq per service of entries not stored as too old. The audit
// counts seqs up to it as expired, not lost.
inline constexpr std::string_view record_expired =
    "INSERT INTO logs_expired AS e (service, expired_till) "
    "SELECT s, max(q) FROM unnest($1::text[], $2::bigint[]) AS x(s, q) GROUP BY s "
    "ON CONFLICT (service) DO UPDATE SET "
    "expired_till = greatest(e.expired_till, EXCLUDED.expired_till), updated_at = now()";

// $1 service, $2 seq, $3 the COPY row (hex of its bytes), $4 Postgres' message.
inline constexpr std::string_view record_dead_letter =
    "INSERT INTO dead_letters (service, seq, row_data, reason) "
    "VALUES ($1, $2, decode($3, 'hex'), $4) "
    "ON CONFLICT (service, seq) DO UPDATE SET row_data = EXCLUDED.row_data, "
    "reason = EXCLUDED.reason, last_seen = now(), attempts = dead_letters.attempts + 1, "
    "resolved_at = NULL";

// $1 service, $2 seqs of an entry re-queued from dead_letters: the dead letters still
// unresolved are marked resolved and their seqs returned; only those rows are stored. The
// unique key is per partition, and a re-queued entry carries the time of its re-queueing, so
// this claim is what keeps two re-queues of one dead letter from storing it twice. A row
// refused again reopens its dead letter (record_dead_letter), in the same transaction.
inline constexpr std::string_view claim_dead_letters =
    "UPDATE dead_letters SET resolved_at = now() "
    "WHERE service = $1 AND seq = ANY($2::bigint[]) AND resolved_at IS NULL RETURNING seq";

// $1 services, $2 from_seqs, $3 to_seqs, $4 batch_ids (arrays of equal length).
inline constexpr std::string_view insert_gaps =
    "INSERT INTO replay_requests (service, from_seq, to_seq, batch_id, source) "
    "SELECT s, f, t, b, 'auto' FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[]) "
    "AS g(s, f, t, b) "
    "ON CONFLICT (batch_id, service, from_seq) WHERE batch_id IS NOT NULL DO NOTHING";

// $1 services, $2 ack_till, $3 contiguous_till, $4 missing_total, $5 batch_ids,
// $6 acked_at_ms, $7 versions. A newer version is never overwritten by an older one.
inline constexpr std::string_view upsert_ack_state =
    "INSERT INTO ack_state (service, ack_till, contiguous_till, missing_total, last_batch_id, "
    "last_ack_at, version) "
    "SELECT s, a, c, m, b, to_timestamp(t / 1000.0), v FROM unnest($1::text[], $2::bigint[], "
    "$3::bigint[], $4::bigint[], $5::text[], $6::bigint[], $7::bigint[]) AS x(s, a, c, m, b, t, v) "
    "ON CONFLICT (service) DO UPDATE SET ack_till = EXCLUDED.ack_till, "
    "contiguous_till = EXCLUDED.contiguous_till, missing_total = EXCLUDED.missing_total, "
    "last_batch_id = EXCLUDED.last_batch_id, last_ack_at = EXCLUDED.last_ack_at, "
    "version = EXCLUDED.version WHERE ack_state.version < EXCLUDED.version";

}  // namespace tracehub::worker::sql
