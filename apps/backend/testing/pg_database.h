// testing/pg_database.h — one fresh, empty Postgres database per test, dropped afterwards.
//
// The server comes from TRACEHUB_TEST_PG_URL (an admin URL, e.g.
// postgresql://postgres@127.0.0.1:5432/postgres); each pg_database creates t_<random> there,
// hands out a URL for it, and drops it WITH (FORCE) on destruction, so tests never see each
// other's tables and pass in any order. For GoogleTest binaries only.
#pragma once

#include <string>

#include "backend/pg/connection.h"

namespace tracehub::testing {

class pg_database {
 public:
  // Creates the database. Fails the current test and throws std::runtime_error when
  // TRACEHUB_TEST_PG_URL is unset or the server refuses (the message says which).
  static pg_database create();

  pg_database(pg_database&& other) noexcept;
  pg_database& operator=(pg_database&&) = delete;
  pg_database(const pg_database&) = delete;
  pg_database& operator=(const pg_database&) = delete;

  // Drops the database, terminating sessions still connected to it. A failure is printed
  // to stderr, not thrown: the database is random and empty of anything that matters.
  ~pg_database();

  const std::string& url() const { return url_; }    // connects to this database
  const std::string& name() const { return name_; }  // t_<16 hex digits>
  const std::string& admin_url() const { return admin_url_; }

  // Opens a connection to this database; fails the test and throws if that fails.
  pg::connection connect() const;

 private:
  pg_database(std::string admin_url, std::string name);

  std::string admin_url_;
  std::string name_;  // empty once moved from: nothing to drop
  std::string url_;
};

// `url` (a postgres:// URI or a key=value conninfo string) with its database replaced by
// `dbname`.
std::string with_database(const std::string& url, const std::string& dbname);

}  // namespace tracehub::testing
