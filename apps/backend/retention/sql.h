// retention/sql.h — every SQL statement of the retention module (the functions they call are
// migration 0008's).
#pragma once

#include <string_view>

namespace tracehub::retention::sql {

// $1 chunk (seconds), $2 until (epoch ms) -> the end of the newest partition (epoch ms)
inline constexpr std::string_view cover =
    "SELECT (extract(epoch FROM logs_add_partitions($1::bigint * interval '1 second', "
    "to_timestamp($2::bigint / 1000.0))) * 1000)::bigint";

// One chunk removal at a time across processes (session lock: the detach is two transactions).
inline constexpr std::string_view try_lock =
    "SELECT pg_try_advisory_lock(hashtext('tracehub.logs_retention'))";
inline constexpr std::string_view unlock =
    "SELECT pg_advisory_unlock(hashtext('tracehub.logs_retention'))";

// Removals begun and not finished (a process died half-way), oldest first.
inline constexpr std::string_view unfinished = "SELECT name FROM logs_chunk_drops ORDER BY to_at";

// $1 period (seconds): the partitions wholly older than it, oldest first.
inline constexpr std::string_view expired =
    "SELECT name, (extract(epoch FROM to_at) * 1000)::bigint FROM logs_partitions() "
    "WHERE to_at <= now() - $1::bigint * interval '1 second' ORDER BY to_at";

// $1 name, $2 its end (epoch ms): the removal begins. From this commit on the worker stores no
// row ingested before the end (GET /logs reports it as keptSince).
inline constexpr std::string_view begin_drop =
    "WITH d AS (INSERT INTO logs_chunk_drops (name, to_at) "
    "VALUES ($1, to_timestamp($2::bigint / 1000.0)) ON CONFLICT (name) DO NOTHING) "
    "UPDATE logs_retention SET expired_before = "
    "greatest(expired_before, to_timestamp($2::bigint / 1000.0))";

// $1 name -> whether it is a partition of logs now, and whether its detach is under way.
inline constexpr std::string_view partition_state =
    "SELECT detaching FROM logs_partitions() WHERE name = $1";

// Bounds the concurrent detach's waits for older transactions (an idle-in-transaction session
// could hold them for ever); cut short, the next pass finalizes it.
inline constexpr std::string_view detach_timeout = "SET statement_timeout = '10s'";
inline constexpr std::string_view no_timeout = "SET statement_timeout = 0";

// $1 name: the detached chunk's highest seq per service into logs_expired, then DROP TABLE, in
// one transaction -> services recorded.
inline constexpr std::string_view drop_detached = "SELECT logs_drop_detached($1)";

// The ts zones (logs_ts_zones, migration 0010) of minutes wholly before the horizon: no row of
// theirs is left.
inline constexpr std::string_view drop_expired_zones =
    "DELETE FROM logs_ts_zones WHERE minute + interval '1 minute' <= "
    "(SELECT expired_before FROM logs_retention)";

}  // namespace tracehub::retention::sql
