// pg/connection.h — one blocking libpq connection, for threads that may block (the queue
// worker, the blocking pool behind HTTP handlers, tests, benchmarks). Not thread-safe.
//
// Owns its PGconn and every PGresult it creates (deleters declared here: the only place that
// calls PQfinish / PQclear). After an errc::io failure ok() is false: open a new connection.
// The last server error message is kept for logging (last_error()).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "backend/base/result.h"

struct pg_conn;
struct pg_result;

namespace tracehub::pg {

struct conn_deleter {
  void operator()(pg_conn* c) const;
};
struct result_deleter {
  void operator()(pg_result* r) const;
};

// The rows of a query result, read as text. Valid independently of the connection.
class rows {
 public:
  explicit rows(pg_result* r) : r_(r) {}
  std::size_t size() const;  // number of rows
  std::size_t columns() const;
  bool is_null(std::size_t row, std::size_t col) const;
  std::string_view get(std::size_t row, std::size_t col) const;  // "" for NULL
  std::int64_t get_int(std::size_t row, std::size_t col) const;  // 0 for NULL or non-number

 private:
  std::unique_ptr<pg_result, result_deleter> r_;
};

using param = std::optional<std::string_view>;  // nullopt is SQL NULL

// Every session connection::open starts asks the server to look at its client this often while
// a statement runs (client_connection_check_interval; Postgres' default is 0, never). Without
// it, the session of a process killed while its statement waits, say on a lock, lives on until
// it next writes to the socket, holding its transaction's locks and uncommitted rows (a
// restarted worker waits on those rows). With it, the session ends within about this interval
// and its transaction rolls back. docs/PROTOCOL.md, "Postgres sessions".
inline constexpr std::chrono::milliseconds client_check_interval{1'000};

class connection {
 public:
  // url: a libpq connection string or postgres:// URI. errc::io / errc::timeout on failure.
  // application_name, when given, is set at connect time (pg_stat_activity shows it from the
  // first moment the session exists) and overrides one inside the url. The session starts with
  // client_check_interval set, before the options of the url (or PGOPTIONS), which may
  // override it.
  static result<connection> open(const std::string& url,
                                 std::chrono::seconds connect_timeout = std::chrono::seconds(5),
                                 const std::string& application_name = {});

  connection(connection&&) noexcept = default;
  connection& operator=(connection&&) noexcept = default;
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // Runs one or more statements without parameters (simple query protocol).
  status exec(std::string_view sql);

  // Runs one statement with text parameters ($1, $2, ...) and returns its rows (empty for
  // statements that return none).
  result<rows> query(std::string_view sql, std::span<const param> params = {});

  // COPY ... FROM STDIN: `copy_sql` is the COPY statement, `data` the rows in the format it
  // names (sent as they are: text rows, tab-separated, newline-terminated, \N for NULL,
  // backslash escapes; or a whole binary stream, header to trailer, with FORMAT binary). Either
  // every row is copied or none (the statement fails whole; inside a transaction, that aborts
  // it).
  status copy_in(std::string_view copy_sql, std::string_view data);

  bool ok() const;
  const std::string& last_error() const { return last_error_; }

 private:
  explicit connection(pg_conn* c) : conn_(c) {}

  // Keeps the message of a failed statement (result `r`, nullptr if libpq returned none) and
  // maps it to errc. On errc::io the connection is closed, so ok() turns false.
  error_code fail(const pg_result* r);
  // The error for a call on a connection that is closed (earlier io failure, or moved from).
  error_code closed() const;
  // Ends a COPY that exec()/query() started by mistake, leaving the connection idle.
  error_code reject_copy(pg_result* r);
  // Reads results until libpq has none left; returns the first failure, if any.
  status drain();

  std::unique_ptr<pg_conn, conn_deleter> conn_;  // null once closed
  std::string last_error_;
};

}  // namespace tracehub::pg
