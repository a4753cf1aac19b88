#include "backend/pg/migrate.h"

#include <array>
#include <set>
#include <string>

#include "backend/pg/logger.h"
#include "backend/pg/sql.h"

namespace tracehub::pg {

namespace {

result<std::set<int>> applied_versions(connection& c) {
  if (status st = c.exec(sql::create_schema_migrations); !st) return st.error();
  auto r = c.query(sql::applied_versions);
  if (!r) return r.error();
  std::set<int> versions;
  for (std::size_t i = 0; i < r->size(); ++i)
    versions.insert(static_cast<int>(r->get_int(i, 0)));
  return versions;
}

status run_in_transaction(connection& c, const migration& m) {
  if (status st = c.exec(m.sql); !st) return st;
  const std::string version = std::to_string(m.version);
  const std::array<param, 2> params = {version, m.name};
  if (auto r = c.query(sql::record_migration, params); !r) return r.error();
  return c.exec(sql::commit);
}

status apply(connection& c, const migration& m) {
  if (status st = c.exec(sql::begin); !st) return st;
  status st = run_in_transaction(c, m);
  if (st) return st;
  // Ignored: on a broken connection ROLLBACK fails too and the server discards the
  // transaction anyway; the migration's own error is the one to report.
  (void)c.exec(sql::rollback);
  return st;
}

result<int> apply_missing(connection& c, std::span<const migration> migrations) {
  auto applied = applied_versions(c);
  if (!applied) return applied.error();
  int count = 0;
  for (const migration& m : migrations) {
    if (applied->contains(m.version)) continue;
    if (status st = apply(c, m); !st) {
      log().error("migration {:04d}_{} failed: {}", m.version, m.name, c.last_error());
      return st.error();
    }
    log().info("applied migration {:04d}_{}", m.version, m.name);
    ++count;
  }
  return count;
}

}  // namespace

result<int> migrate(connection& c, std::span<const migration> migrations) {
  const std::array<param, 1> key = {sql::migrate_lock_key};
  // Taken before schema_migrations is created: concurrent CREATE TABLE IF NOT EXISTS can
  // still fail with a unique violation in the catalog.
  if (auto locked = c.query(sql::advisory_lock, key); !locked) return locked.error();
  result<int> applied = apply_missing(c, migrations);
  auto unlocked = c.query(sql::advisory_unlock, key);
  if (!applied) return applied;
  if (!unlocked) return unlocked.error();
  return applied;
}

}  // namespace tracehub::pg
