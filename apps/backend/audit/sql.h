// audit/sql.h — every SQL statement of the audit.
#pragma once

#include <string_view>

namespace tracehub::audit::sql {

// $1 service, $2 from, $3 to: the seqs of the range that are accounted for, stored or
// dead-lettered (a dead letter is reported by seq already).
inline constexpr std::string_view count_present =
    "SELECT (SELECT count(*) FROM logs WHERE service = $1 AND seq BETWEEN $2 AND $3) + "
    "(SELECT count(*) FROM dead_letters WHERE service = $1 AND resolved_at IS NULL "
    "AND seq BETWEEN $2 AND $3)";

// $1 service, $2 from, $3 to: those seqs, ascending.
inline constexpr std::string_view list_present =
    "SELECT seq FROM logs WHERE service = $1 AND seq BETWEEN $2 AND $3 UNION "
    "SELECT seq FROM dead_letters WHERE service = $1 AND resolved_at IS NULL "
    "AND seq BETWEEN $2 AND $3 ORDER BY 1";

// $1 service, $2 above: lost ranges already recorded (any reason) reaching above $2.
inline constexpr std::string_view lost_ranges =
    "SELECT from_seq, to_seq FROM lost_seqs WHERE service = $1 AND to_seq > $2";

// $1 service, $2 above, $3 grace ms: replay requests that may still bring seqs back
// (pending, or finished within the grace period: their rows may still be queued).
inline constexpr std::string_view busy_replays =
    "SELECT from_seq, to_seq FROM replay_requests WHERE service = $1 AND to_seq > $2 AND "
    "(status = 'pending' OR updated_at > now() - ($3::bigint * interval '1 millisecond'))";

// $1 service: the highest of its seqs retention has removed (logs_expired), 0 if none. Those
// seqs are accounted for: expired, never lost.
inline constexpr std::string_view expired_till =
    "SELECT coalesce((SELECT expired_till FROM logs_expired WHERE service = $1), 0)";

// $1 services[], $2 from[], $3 to[]
inline constexpr std::string_view record_lost =
    "INSERT INTO lost_seqs (service, from_seq, to_seq, reason) "
    "SELECT s, f, t, 'audit' FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS x(s, f, t)";

}  // namespace tracehub::audit::sql
