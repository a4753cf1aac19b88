// pg/migrate.h — versioned schema migrations, applied in order at start-up.
//
// Each migration runs in its own transaction and is recorded in schema_migrations(version,
// name, applied_at); a version already recorded is skipped, so migrate() is idempotent. A
// session-level advisory lock serialises concurrent callers (several backend instances
// starting at once). The migration set is compiled into the binary from
// apps/backend/migrations/NNNN_name.sql, so a binary and its schema cannot drift apart.
#pragma once

#include <span>
#include <string_view>

#include "backend/base/result.h"
#include "backend/pg/connection.h"

namespace tracehub::pg {

struct migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

// The backend's migrations, in version order (generated at build time).
std::span<const migration> backend_migrations();

// Applies every migration not yet recorded. Returns the number applied, or the first error.
result<int> migrate(connection& c, std::span<const migration> migrations);

}  // namespace tracehub::pg
