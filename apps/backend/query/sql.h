// query/sql.h — every SQL statement of the query module.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tracehub::query::sql {

// The columns after the page's items in both page statements: the next page's cursor — the
// last row's "<ingested_at in µs since the epoch>_<id>" — and how far back the data goes, as a
// JSON value: the time before which retention has removed every row (logs_retention,
// migration 0008), or null while it has removed nothing.
inline constexpr std::string_view page_tail =
    "(array_agg((extract(epoch FROM l.\"ingestedAt\") * 1000000)::bigint || '_' || l.id "
    "ORDER BY l.\"ingestedAt\", l.id))[1], "
    "(SELECT to_json(expired_before)::text FROM logs_retention)";

// The filters of a page: $1 service or '', $2 levels (text[]) or NULL, $3 ILIKE pattern or '',
// $4/$5 ts range or NULL, $6/$7 seq range or NULL, $8/$9 the cursor's ingested_at and id or
// NULL. The cursor's `ingested_at <=` lets the planner skip the newer partitions.
inline constexpr std::string_view page_filters =
    "WHERE ($1 = '' OR service = $1) "
    "AND ($2::text[] IS NULL OR level = ANY($2::text[])) "
    "AND ($3 = '' OR message ILIKE $3) "
    "AND ($4::timestamptz IS NULL OR ts >= $4::timestamptz) "
    "AND ($5::timestamptz IS NULL OR ts < $5::timestamptz) "
    "AND ($6::bigint IS NULL OR seq >= $6::bigint) "
    "AND ($7::bigint IS NULL OR seq <= $7::bigint) "
    "AND ($8::timestamptz IS NULL OR ingested_at <= $8::timestamptz) "
    "AND ($8::timestamptz IS NULL OR (ingested_at, id) < ($8::timestamptz, $9::bigint))";

// With a ts window that has an end ($5), the stretch of ingested_at that can hold its rows:
// from the first to past the last minute whose zone (logs_ts_zones, migration 0010: the lowest
// and highest ts stored per minute of ingested_at, kept by a trigger on logs for every row
// committed) overlaps the window. Subqueries of the page's statement, so zones and rows are read
// in one snapshot; no overlapping zone means no row. Only the walk takes it: it starts there at
// the window's newest rows instead of the table's, whatever the planner knows about ts and
// ingest order. Without an end the newest rows are in the window and the walk needs no bound.
inline constexpr std::string_view zone_bound =
    "AND ($5::timestamptz IS NULL OR ("
    "ingested_at >= (SELECT min(minute) FROM logs_ts_zones "
    "WHERE ($4::timestamptz IS NULL OR max_ts >= $4::timestamptz) "
    "AND min_ts < $5::timestamptz) "
    "AND ingested_at < (SELECT max(minute) + interval '1 minute' FROM logs_ts_zones "
    "WHERE ($4::timestamptz IS NULL OR max_ts >= $4::timestamptz) "
    "AND min_ts < $5::timestamptz)))";

inline constexpr std::string_view page_columns =
    "SELECT id, service, seq, level, message, request_id AS \"requestId\", ts, attrs, "
    "ingested_at AS \"ingestedAt\" FROM logs ";

// Newest first by (ingested_at, id): the partitions one after the other, newest first, each
// through its (ingested_at, id) index, until the page is full (migration 0008 says why not by
// id alone), within zone_bound for a ts window. $1..$9 the filters above, $10 the limit. Planned
// per call with the values (unnamed statement), so an empty filter costs nothing, indexes apply and
// partitions are pruned.
// -> items (JSON array), their count, the next cursor, keptSince.
inline const std::string logs_page =
    "SELECT coalesce(json_agg(l ORDER BY l.\"ingestedAt\" DESC, l.id DESC), '[]'::json), "
    "count(*), " +
    std::string(page_tail) + " FROM (" + std::string(page_columns) + std::string(page_filters) +
    " " + std::string(zone_bound) + " ORDER BY ingested_at DESC, id DESC LIMIT $10) l";

// logs_page, collected then sorted: the same parameters and the same rows. The matching rows
// are found through whatever serves the filters best (the BRIN index on ts for a time window,
// UNIQUE (service, seq) for a seq range) and the page kept by a top-N sort: ordering by
// `ingested_at + interval '0'` (the same order) keeps the planner from walking the
// (ingested_at, id) index instead. Given logs_page, the planner walks that index from the
// newest row, expecting matches spread evenly along it; when they lie far back in that order
// (a window hours old; a rare match inside a window) the walk reads most of the table. Chosen
// by query::page_statement (page_plan.h). BENCHMARKS.md, "GET /logs on 10 M rows".
//
// A service's seq range no wider than max_materialized_seqs always takes it: UNIQUE (service,
// seq) bounds the matches by the range's width (measured: 0.8 ms instead of 20 ms at 200 000
// rows; the walk grows with the table).
inline constexpr std::int64_t max_materialized_seqs = 10'000;
inline const std::string logs_page_collected =
    "SELECT coalesce(json_agg(l ORDER BY l.\"ingestedAt\" DESC, l.id DESC), '[]'::json), "
    "count(*), " +
    std::string(page_tail) + " FROM (" + std::string(page_columns) + std::string(page_filters) +
    " ORDER BY ingested_at + interval '0' DESC, id DESC LIMIT $10) l";

// The planner's estimates behind query::page_statement: EXPLAIN of these gives "rows=N" on its
// first line. $1/$2 ts range or NULL.
inline constexpr std::string_view estimate_window =
    "EXPLAIN SELECT 1 FROM logs WHERE ($1::timestamptz IS NULL OR ts >= $1::timestamptz) "
    "AND ($2::timestamptz IS NULL OR ts < $2::timestamptz)";
// $1 a ts: the rows at or after it.
inline constexpr std::string_view estimate_after =
    "EXPLAIN SELECT 1 FROM logs WHERE ts >= $1::timestamptz";
inline constexpr std::string_view estimate_all = "EXPLAIN SELECT 1 FROM logs";
// The page's filters $1..$9 (no limit): the rows matching every one.
inline const std::string estimate_matches =
    "EXPLAIN SELECT 1 FROM logs " + std::string(page_filters);

}  // namespace tracehub::query::sql
