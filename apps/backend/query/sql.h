// query/sql.h — every SQL statement of the query module.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tracehub::query::sql {

// The fourth column of both page statements: how far back the data goes, as a JSON value — the
// time before which retention has removed every row (logs_retention, migration 0008), or null
// while it has removed nothing.
inline constexpr std::string_view kept_since =
    "(SELECT to_json(expired_before)::text FROM logs_retention)";

// Newest first (by id: the order rows were stored), cursor = the last id of the previous page.
// $1 service or '', $2 levels (text[]) or NULL, $3 ILIKE pattern or '', $4/$5 ts range or NULL,
// $6/$7 seq range or NULL, $8 cursor or NULL, $9 limit. Planned per call with the values
// (unnamed statement), so an empty filter costs nothing and indexes apply.
inline const std::string logs_page =
    "SELECT coalesce(json_agg(l ORDER BY l.id DESC), '[]'::json), count(*), min(l.id), " +
    std::string(kept_since) +
    " FROM ("
    "SELECT id, service, seq, level, message, request_id AS \"requestId\", ts, attrs, "
    "ingested_at AS \"ingestedAt\" FROM logs "
    "WHERE ($1 = '' OR service = $1) "
    "AND ($2::text[] IS NULL OR level = ANY($2::text[])) "
    "AND ($3 = '' OR message ILIKE $3) "
    "AND ($4::timestamptz IS NULL OR ts >= $4::timestamptz) "
    "AND ($5::timestamptz IS NULL OR ts < $5::timestamptz) "
    "AND ($6::bigint IS NULL OR seq >= $6::bigint) "
    "AND ($7::bigint IS NULL OR seq <= $7::bigint) "
    "AND ($8::bigint IS NULL OR id < $8::bigint) "
    "ORDER BY id DESC LIMIT $9) l";

// logs_page for a seq range of one service no wider than max_materialized_seqs: the same
// parameters and the same rows. UNIQUE (service, seq) bounds the matches by the range's width,
// so they are collected first (MATERIALIZED: through that index) and then sorted. Given the
// plain shape, the planner may walk the primary key from the newest row instead, expecting
// matches spread over the table (measured: 20 ms instead of 0.8 ms at 200 000 rows; the walk
// grows with the table). BENCHMARKS.md, "GET /logs on 10 M rows".
inline constexpr std::int64_t max_materialized_seqs = 10'000;
inline const std::string logs_page_seq_range =
    "WITH m AS MATERIALIZED ("
    "SELECT id, service, seq, level, message, request_id AS \"requestId\", ts, attrs, "
    "ingested_at AS \"ingestedAt\" FROM logs "
    "WHERE ($1 = '' OR service = $1) "
    "AND ($2::text[] IS NULL OR level = ANY($2::text[])) "
    "AND ($3 = '' OR message ILIKE $3) "
    "AND ($4::timestamptz IS NULL OR ts >= $4::timestamptz) "
    "AND ($5::timestamptz IS NULL OR ts < $5::timestamptz) "
    "AND ($6::bigint IS NULL OR seq >= $6::bigint) "
    "AND ($7::bigint IS NULL OR seq <= $7::bigint) "
    "AND ($8::bigint IS NULL OR id < $8::bigint)) "
    "SELECT coalesce(json_agg(l ORDER BY l.id DESC), '[]'::json), count(*), min(l.id), " +
    std::string(kept_since) + " FROM (SELECT * FROM m ORDER BY id DESC LIMIT $9) l";

}  // namespace tracehub::query::sql
