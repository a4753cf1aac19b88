// control/sql.h — the statements the fault controls run.
#pragma once

#include <string_view>

namespace tracehub::control::sql {

// $1 action, $2 params (JSON text), $3 until (epoch ms) or NULL -> id, applied_at epoch ms
inline constexpr std::string_view record_event =
    "INSERT INTO sim_events (action, params, until) "
    "VALUES ($1, $2::jsonb, to_timestamp($3::bigint / 1000.0)) "
    "RETURNING id, (extract(epoch FROM applied_at) * 1000)::bigint";

// $1 limit -> one JSON cell {"events": [...]}, newest first
inline constexpr std::string_view list_events =
    "SELECT json_build_object('events', coalesce(json_agg(e ORDER BY e.id DESC), '[]'::json)) "
    "FROM (SELECT id, action, params, (extract(epoch FROM applied_at) * 1000)::bigint AS ts, "
    "(extract(epoch FROM until) * 1000)::bigint AS until "
    "FROM sim_events ORDER BY id DESC LIMIT $1) e";

// $1 service, $2 from, $3 to
inline constexpr std::string_view insert_flush_request =
    "INSERT INTO replay_requests (service, from_seq, to_seq, source) VALUES ($1, $2, $3, 'flush')";

// Everything the reset clears in Postgres (sim_events stays: it is the record of what was
// done, the reset included; so do the partitions of logs, emptied, and retention's horizon).
// logs_expired goes: the producers' seqs start again at 1; logs_ts_zones with the rows.
inline constexpr std::string_view truncate_all =
    "TRUNCATE logs, logs_ts_zones, ack_state, replay_requests, lost_seqs, dead_letters, "
    "logs_expired "
    "RESTART IDENTITY";

}  // namespace tracehub::control::sql
