// pg/sql.h — every SQL statement pg/ itself runs (the migration bookkeeping).
#pragma once

#include <string_view>

namespace tracehub::pg::sql {

// Session-level advisory lock key that serialises migrate() across every backend instance
// sharing a database: "tracehub" in ASCII, as a bigint.
inline constexpr std::string_view migrate_lock_key = "8390876135275656546";

inline constexpr std::string_view advisory_lock = "SELECT pg_advisory_lock($1::bigint)";
inline constexpr std::string_view advisory_unlock = "SELECT pg_advisory_unlock($1::bigint)";

inline constexpr std::string_view create_schema_migrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INT PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())";

inline constexpr std::string_view applied_versions = "SELECT version FROM schema_migrations";

inline constexpr std::string_view record_migration =
    "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)";

inline constexpr std::string_view begin = "BEGIN";
inline constexpr std::string_view commit = "COMMIT";
inline constexpr std::string_view rollback = "ROLLBACK";

}  // namespace tracehub::pg::sql
