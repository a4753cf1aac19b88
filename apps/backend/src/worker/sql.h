// worker/sql.h — every SQL statement the worker runs.
#pragma once

#include <string_view>

namespace tracehub::worker::sql {

// Fast path: the rows go straight into logs. A redelivered entry makes it fail on the unique
// key (service, seq); the transaction is then redone through the stage below.
inline constexpr std::string_view copy_logs =
    "COPY logs (service, seq, level, message, request_id, ts, attrs) FROM STDIN";

inline constexpr std::string_view create_stage =
    "CREATE TEMP TABLE IF NOT EXISTS logs_stage (service text, seq bigint, level text, "
    "message text, request_id text, ts timestamptz, attrs jsonb) ON COMMIT DELETE ROWS";
inline constexpr std::string_view copy_stage =
    "COPY logs_stage (service, seq, level, message, request_id, ts, attrs) FROM STDIN";
inline constexpr std::string_view insert_from_stage =
    "INSERT INTO logs (service, seq, level, message, request_id, ts, attrs) "
    "SELECT service, seq, level, message, request_id, ts, attrs FROM logs_stage "
    "ON CONFLICT (service, seq) DO NOTHING";

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
