#include "backend/pg/connection.h"

#include <charconv>
#include <cstdlib>
#include <string>
#include <vector>

#include <libpq-fe.h>

#include "backend/pg/errc.h"
#include "backend/pg/error_map.h"
#include "backend/pg/logger.h"

namespace tracehub::pg {

namespace {

using result_ptr = std::unique_ptr<pg_result, result_deleter>;

// COPY data goes to libpq in pieces of this size, so one huge batch is not copied into
// libpq's output buffer at once.
constexpr std::size_t copy_chunk_bytes = 256 * 1024;

bool succeeded(const PGresult* r) {
  switch (PQresultStatus(r)) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_EMPTY_QUERY:
      return true;
    default:
      return false;
  }
}

bool is_copy(const PGresult* r) {
  const ExecStatusType s = PQresultStatus(r);
  return s == PGRES_COPY_IN || s == PGRES_COPY_OUT || s == PGRES_COPY_BOTH;
}

// libpq messages end in a newline; log lines and last_error() do not want it.
std::string without_newline(const char* message) {
  std::string s = message == nullptr ? "" : message;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
    s.pop_back();
  return s;
}

void log_notice(void* /*arg*/, const char* message) {
  log().debug("server notice: {}", without_newline(message));
}

// Ends a COPY the server has started without sending or keeping any data. COPY_BOTH exists
// only for replication connections, which we never open; the caller closes those.
void end_copy(PGconn* c, ExecStatusType s) {
  if (s == PGRES_COPY_IN) {
    // A failure here means the connection broke; the caller's drain reports it.
    PQputCopyEnd(c, "COPY FROM STDIN is only supported through connection::copy_in");
    return;
  }
  if (s == PGRES_COPY_OUT) {
    char* buffer = nullptr;
    while (PQgetCopyData(c, &buffer, 0) > 0)
      PQfreemem(buffer);
  }
}

struct conninfo_deleter {
  void operator()(PQconninfoOption* o) const { PQconninfoFree(o); }
};

// The startup options of a session (the "options" keyword, which replaces any inside the url):
// client_check_interval, then the options the url gives, or else PGOPTIONS, as libpq would
// have taken them. Of two settings of one parameter the later wins, so theirs override ours.
std::string session_options(const std::string& url) {
  std::string options =
      "-c client_connection_check_interval=" + std::to_string(client_check_interval.count());
  std::string given;
  // A url libpq cannot parse gives none; the connect then fails and says why.
  std::unique_ptr<PQconninfoOption, conninfo_deleter> parsed(PQconninfoParse(url.c_str(), nullptr));
  for (const PQconninfoOption* o = parsed.get(); o != nullptr && o->keyword != nullptr; ++o)
    if (std::string_view(o->keyword) == "options" && o->val != nullptr) given = o->val;
  if (given.empty())
    if (const char* env = std::getenv("PGOPTIONS"); env != nullptr) given = env;
  if (!given.empty()) options += " " + given;
  return options;
}

// Sends `data` in chunks; false once libpq reports the connection broken.
bool put_copy_data(PGconn* c, std::string_view data) {
  while (!data.empty()) {
    const std::size_t n = std::min(data.size(), copy_chunk_bytes);
    if (PQputCopyData(c, data.data(), static_cast<int>(n)) != 1) return false;
    data.remove_prefix(n);
  }
  return true;
}

}  // namespace

void conn_deleter::operator()(pg_conn* c) const {
  PQfinish(c);
}
void result_deleter::operator()(pg_result* r) const {
  PQclear(r);
}

std::size_t rows::size() const {
  return r_ ? static_cast<std::size_t>(PQntuples(r_.get())) : 0;
}

std::size_t rows::columns() const {
  return r_ ? static_cast<std::size_t>(PQnfields(r_.get())) : 0;
}

bool rows::is_null(std::size_t row, std::size_t col) const {
  return PQgetisnull(r_.get(), static_cast<int>(row), static_cast<int>(col)) == 1;
}

std::string_view rows::get(std::size_t row, std::size_t col) const {
  const int r = static_cast<int>(row);
  const int c = static_cast<int>(col);
  // PQgetvalue returns "" for NULL and for out-of-range positions.
  return {PQgetvalue(r_.get(), r, c), static_cast<std::size_t>(PQgetlength(r_.get(), r, c))};
}

std::int64_t rows::get_int(std::size_t row, std::size_t col) const {
  const std::string_view text = get(row, col);
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return 0;
  return value;
}

result<connection> connection::open(const std::string& url, std::chrono::seconds connect_timeout,
                                    const std::string& application_name) {
  const std::string timeout = std::to_string(connect_timeout.count());
  // expand_dbname = 1: `url` may be a full conninfo string or URI; the keywords given here come
  // after it and so override the same ones inside the url.
  const std::string options = session_options(url);
  const bool named = !application_name.empty();
  const char* const keywords[] = {"dbname", "connect_timeout", "options",
                                  named ? "application_name" : nullptr, nullptr};
  const char* const values[] = {url.c_str(), timeout.c_str(), options.c_str(),
                                named ? application_name.c_str() : nullptr, nullptr};
  std::unique_ptr<pg_conn, conn_deleter> c(PQconnectdbParams(keywords, values, 1));
  if (!c || PQstatus(c.get()) != CONNECTION_OK) {
    const errc e = detail::errc_for_connect_failure(c.get());
    log().warn("connect failed: {}", c ? without_newline(PQerrorMessage(c.get())) : "no memory");
    return e;
  }
  // Notices ("relation already exists, skipping") go to our logger instead of stderr.
  PQsetNoticeProcessor(c.get(), log_notice, nullptr);
  return connection(c.release());
}

bool connection::ok() const {
  return conn_ && PQstatus(conn_.get()) == CONNECTION_OK;
}

status connection::exec(std::string_view sql) {
  if (!ok()) return closed();
  const std::string text(sql);  // libpq wants a NUL-terminated string
  result_ptr r(PQexec(conn_.get(), text.c_str()));
  if (!r) return fail(nullptr);
  if (is_copy(r.get())) return reject_copy(r.get());
  if (!succeeded(r.get())) return fail(r.get());
  return {};
}

result<rows> connection::query(std::string_view sql, std::span<const param> params) {
  if (!ok()) return closed();
  const std::string text(sql);
  // Text-format parameters are passed NUL-terminated (libpq ignores lengths for them).
  // `storage` is reserved up front so the pointers in `values` stay valid.
  std::vector<std::string> storage;
  storage.reserve(params.size());
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const param& p : params) {
    if (!p) {
      values.push_back(nullptr);
      continue;
    }
    values.push_back(storage.emplace_back(*p).c_str());
  }
  result_ptr r(PQexecParams(conn_.get(), text.c_str(), static_cast<int>(values.size()), nullptr,
                            values.data(), nullptr, nullptr, 0));
  if (!r) return fail(nullptr);
  if (is_copy(r.get())) return reject_copy(r.get());
  if (!succeeded(r.get())) return fail(r.get());
  return rows(r.release());
}

status connection::copy_in(std::string_view copy_sql, std::string_view data) {
  if (!ok()) return closed();
  const std::string text(copy_sql);
  result_ptr start(PQexec(conn_.get(), text.c_str()));
  if (!start) return fail(nullptr);
  if (PQresultStatus(start.get()) != PGRES_COPY_IN) {
    if (is_copy(start.get()) || succeeded(start.get())) return reject_copy(start.get());
    return fail(start.get());
  }
  start.reset();
  bool sent = put_copy_data(conn_.get(), data);
  // After a send failure the connection is broken; PQputCopyEnd fails too and drain() reports
  // the broken connection. A bad row is reported by the server in the final result.
  sent = PQputCopyEnd(conn_.get(), nullptr) == 1 && sent;
  if (status done = drain(); !done) return done;
  if (!sent) return fail(nullptr);
  return {};
}

error_code connection::fail(const pg_result* r) {
  last_error_ =
      without_newline(r != nullptr ? PQresultErrorMessage(r) : PQerrorMessage(conn_.get()));
  const errc e = detail::errc_for_failure(conn_.get(), r);
  if (e == errc::io) conn_.reset();
  return e;
}

error_code connection::closed() const {
  return errc::io;
}

error_code connection::reject_copy(pg_result* r) {
  const ExecStatusType s = PQresultStatus(r);
  if (s == PGRES_COPY_BOTH) {
    conn_.reset();
    last_error_ = "unexpected COPY BOTH (replication) on a query connection";
    return errc::io;
  }
  end_copy(conn_.get(), s);
  // The server's answer to the abandoned COPY (57014, "COPY from stdin failed") would read as
  // a timeout; the real error is the misuse, so only a broken connection is passed on.
  if (status drained = drain(); !drained && drained.error() == errc::io) return drained.error();
  last_error_ = "COPY is only supported through connection::copy_in (COPY ... FROM STDIN)";
  return errc::server;
}

status connection::drain() {
  status first;
  while (conn_) {
    result_ptr r(PQgetResult(conn_.get()));
    if (!r) break;
    if (is_copy(r.get())) {
      // Not reachable after PQputCopyEnd; ending the COPY keeps this loop from spinning.
      if (PQresultStatus(r.get()) == PGRES_COPY_BOTH) conn_.reset();
      end_copy(conn_.get(), PQresultStatus(r.get()));
      continue;
    }
    if (first && !succeeded(r.get())) first = fail(r.get());
  }
  return first;
}

}  // namespace tracehub::pg
