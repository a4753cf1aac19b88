// deadletters/sql.h — the statements of the dead-letter routes (the table: migration 0007).
#pragma once

#include <string_view>

namespace tracehub::deadletters::sql {

// $1 service ('' any), $2 seq (0 any), $3 limit, $4 include resolved ('1' or '0'), $5 cursor
// (ids below it; 0 from the newest), $6 from, $7 to (seq bounds; 0 any).
inline constexpr std::string_view list =
    "SELECT id, service, seq, encode(row_data, 'hex'), reason, "
    "(extract(epoch FROM first_seen) * 1000)::bigint, "
    "(extract(epoch FROM last_seen) * 1000)::bigint, attempts, "
    "(extract(epoch FROM resolved_at) * 1000)::bigint "
    "FROM dead_letters WHERE ($1 = '' OR service = $1) AND ($2::bigint = 0 OR seq = $2::bigint) "
    "AND ($4 = '1' OR resolved_at IS NULL) AND ($5::bigint = 0 OR id < $5::bigint) "
    "AND ($6::bigint = 0 OR seq >= $6::bigint) AND ($7::bigint = 0 OR seq <= $7::bigint) "
    "ORDER BY id DESC LIMIT $3::int";

inline constexpr std::string_view count_unresolved =
    "SELECT count(*) FROM dead_letters WHERE resolved_at IS NULL";

// $1 service ('' any), $2 seq (0 any), $3 limit: what a retry re-queues.
inline constexpr std::string_view to_retry =
    "SELECT service, encode(row_data, 'hex') FROM dead_letters "
    "WHERE resolved_at IS NULL AND ($1 = '' OR service = $1) "
    "AND ($2::bigint = 0 OR seq = $2::bigint) ORDER BY service, seq LIMIT $3::int";

}  // namespace tracehub::deadletters::sql
