// replay/sql.h — every SQL statement of the replay module.
#pragma once

#include <string_view>

namespace tracehub::replay::sql {

// Due pending requests, locked for this worker (others skip them).
inline constexpr std::string_view claim_due =
    "SELECT id, service, from_seq, to_seq, source, "
    "(extract(epoch from created_at) * 1000)::bigint, attempts, recovered_count "
    "FROM replay_requests WHERE status = 'pending' AND next_attempt_at <= now() "
    "ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED";

// $1 id, $2 recovered_count, $3 latency_ms
inline constexpr std::string_view complete =
    "UPDATE replay_requests SET status = 'completed', recovered_count = $2, latency_ms = $3, "
    "attempts = attempts + 1, completed_at = now(), updated_at = now() WHERE id = $1";

// $1 id, $2 recovered_count, $3 delay_ms until the next attempt
inline constexpr std::string_view postpone =
    "UPDATE replay_requests SET recovered_count = $2, attempts = attempts + 1, "
    "next_attempt_at = now() + ($3::bigint * interval '1 millisecond'), updated_at = now() "
    "WHERE id = $1";

// $1 id, $2 recovered_count, $3 lost_count, $4 latency_ms
inline constexpr std::string_view fail =
    "UPDATE replay_requests SET status = 'failed', recovered_count = $2, lost_count = $3, "
    "latency_ms = $4, attempts = attempts + 1, completed_at = now(), updated_at = now() "
    "WHERE id = $1";

// $1 services[], $2 from[], $3 to[], $4 request ids[], $5 reason
inline constexpr std::string_view record_lost =
    "INSERT INTO lost_seqs (service, from_seq, to_seq, replay_request_id, reason) "
    "SELECT s, f, t, r, $5 FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[]) "
    "AS x(s, f, t, r)";

// $1 service, $2 from, $3 to
inline constexpr std::string_view insert_manual =
    "INSERT INTO replay_requests (service, from_seq, to_seq, source) "
    "VALUES ($1, $2, $3, 'manual') RETURNING id";

// $1 status or '', $2 service or '', $3 limit
inline constexpr std::string_view list =
    "SELECT coalesce(json_agg(r ORDER BY r.id DESC), '[]'::json) FROM ("
    "SELECT id, service, from_seq AS \"from\", to_seq AS \"to\", status, source, "
    "batch_id AS \"batchId\", attempts, recovered_count AS \"recovered\", lost_count AS \"lost\", "
    "latency_ms AS \"latencyMs\", created_at AS \"createdAt\", completed_at AS \"completedAt\" "
    "FROM replay_requests WHERE ($1 = '' OR status = $1) AND ($2 = '' OR service = $2) "
    "ORDER BY id DESC LIMIT $3) r";

// $1 service or '', $2 seq or 0, $3 limit
// $1 service ('' any), $2 seq (0 any: else only the range holding it), $3 limit, $4 cursor (the
// id after which to go on; 0 from the start), $5 from, $6 to (0 any: ranges overlapping
// [from, to]). Ranges in the order they were recorded (id), with the next page's cursor.
inline constexpr std::string_view list_lost =
    "SELECT json_build_object('items', coalesce(json_agg(l ORDER BY l.id), '[]'::json), "
    "'nextCursor', CASE WHEN count(*) = $3::int THEN max(l.id) END) FROM ("
    "SELECT id, service, from_seq AS \"from\", to_seq AS \"to\", to_seq - from_seq + 1 AS count, "
    "replay_request_id AS \"replayId\", reason, recorded_at AS \"recordedAt\" FROM lost_seqs "
    "WHERE ($1 = '' OR service = $1) AND ($2::bigint = 0 OR $2::bigint BETWEEN from_seq AND "
    "to_seq) AND id > $4::bigint AND ($5::bigint = 0 OR to_seq >= $5::bigint) "
    "AND ($6::bigint = 0 OR from_seq <= $6::bigint) ORDER BY id LIMIT $3::int) l";

// $1 service ('' any): per service, the lost ranges and seqs, the first and last lost seq, and
// the seqs by reason.
inline constexpr std::string_view lost_summary =
    "SELECT json_build_object('services', coalesce(json_agg(s ORDER BY s.service), '[]'::json)) "
    "FROM (SELECT service, count(*) AS ranges, sum(to_seq - from_seq + 1)::bigint AS seqs, "
    "min(from_seq) AS first, max(to_seq) AS last, "
    "(SELECT json_object_agg(reason, n) FROM (SELECT reason, sum(to_seq - from_seq + 1)::bigint "
    "AS n FROM lost_seqs r WHERE r.service = l.service GROUP BY reason) x) AS \"byReason\" "
    "FROM lost_seqs l WHERE ($1 = '' OR service = $1) GROUP BY service) s";

}  // namespace tracehub::replay::sql
