// Integration tests: need TRACEHUB_TEST_PG_URL (an admin URL); each test gets its own database.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "backend/pg/connection.h"
#include "backend/pg/errc.h"
#include "backend/testing/pg_database.h"

namespace {

namespace pg = tracehub::pg;
using pg::errc;
using namespace std::chrono_literals;

class pg_connection : public ::testing::Test {
 protected:
  tracehub::testing::pg_database db_ = tracehub::testing::pg_database::create();
  pg::connection c_ = db_.connect();

  std::int64_t count(const std::string& table) {
    auto r = c_.query("SELECT count(*) FROM " + table);
    EXPECT_TRUE(r) << c_.last_error();
    return r ? r->get_int(0, 0) : -1;
  }
};

// A TCP port on 127.0.0.1 that nothing listens on (bound, then released).
int unused_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

TEST_F(pg_connection, exec_runs_several_statements) {
  ASSERT_TRUE(c_.exec("CREATE TABLE t (id INT); INSERT INTO t VALUES (1), (2)")) << c_.last_error();
  EXPECT_EQ(count("t"), 2);
  EXPECT_TRUE(c_.ok());
}

TEST_F(pg_connection, query_returns_rows_as_text) {
  auto r = c_.query("SELECT 42::bigint, 'héllo'::text, NULL::text UNION ALL SELECT -7, '', 'x'");
  ASSERT_TRUE(r) << c_.last_error();
  ASSERT_EQ(r->size(), 2u);
  ASSERT_EQ(r->columns(), 3u);
  EXPECT_EQ(r->get_int(0, 0), 42);
  EXPECT_EQ(r->get(0, 1), "héllo");
  EXPECT_TRUE(r->is_null(0, 2));
  EXPECT_EQ(r->get(0, 2), "");
  EXPECT_EQ(r->get_int(0, 2), 0);
  EXPECT_EQ(r->get_int(1, 0), -7);
  EXPECT_FALSE(r->is_null(1, 1));
  EXPECT_EQ(r->get_int(1, 2), 0);  // not a number
}

TEST_F(pg_connection, query_binds_text_params_and_null) {
  const std::string big(100'000, 'a');
  const std::array<pg::param, 3> params = {"41", std::nullopt, big};
  auto r = c_.query("SELECT $1::int + 1, $2::text IS NULL, length($3)", params);
  ASSERT_TRUE(r) << c_.last_error();
  EXPECT_EQ(r->get_int(0, 0), 42);
  EXPECT_EQ(r->get(0, 1), "t");
  EXPECT_EQ(r->get_int(0, 2), 100'000);
}

TEST_F(pg_connection, query_of_a_statement_without_rows_returns_no_rows) {
  auto r = c_.query("CREATE TABLE t (id INT)");
  ASSERT_TRUE(r) << c_.last_error();
  EXPECT_EQ(r->size(), 0u);
  EXPECT_EQ(r->columns(), 0u);
}

TEST_F(pg_connection, rows_outlive_the_connection) {
  auto r = c_.query("SELECT 'kept'");
  ASSERT_TRUE(r);
  { pg::connection gone = std::move(c_); }
  EXPECT_EQ(r->get(0, 0), "kept");
}

TEST_F(pg_connection, copy_in_copies_every_row) {
  ASSERT_TRUE(c_.exec("CREATE TABLE t (id INT, name TEXT)"));
  ASSERT_TRUE(c_.copy_in("COPY t (id, name) FROM STDIN", "1\tone\n2\t\\N\n3\ttab\\there\n"))
      << c_.last_error();
  auto r = c_.query("SELECT id, name FROM t ORDER BY id");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ(r->get(0, 1), "one");
  EXPECT_TRUE(r->is_null(1, 1));
  EXPECT_EQ(r->get(2, 1), "tab\there");
}

TEST_F(pg_connection, copy_in_sends_data_larger_than_one_chunk) {
  ASSERT_TRUE(c_.exec("CREATE TABLE t (id INT, payload TEXT)"));
  std::string data;
  const std::string payload(100, 'x');
  for (int i = 0; i < 20'000; ++i)
    data += std::to_string(i) + "\t" + payload + "\n";
  ASSERT_GT(data.size(), 1'000'000u);
  ASSERT_TRUE(c_.copy_in("COPY t FROM STDIN", data)) << c_.last_error();
  EXPECT_EQ(count("t"), 20'000);
}

TEST_F(pg_connection, copy_in_with_a_bad_row_copies_nothing_and_keeps_the_connection) {
  ASSERT_TRUE(c_.exec("CREATE TABLE t (id INT, name TEXT)"));
  auto st = c_.copy_in("COPY t FROM STDIN", "1\tone\nnot-a-number\ttwo\n3\tthree\n");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error(), errc::bad_data);
  EXPECT_NE(c_.last_error().find("not-a-number"), std::string::npos) << c_.last_error();
  EXPECT_TRUE(c_.ok());
  EXPECT_EQ(count("t"), 0);
  EXPECT_TRUE(c_.copy_in("COPY t FROM STDIN", "4\tfour\n")) << c_.last_error();
  EXPECT_EQ(count("t"), 1);
}

TEST_F(pg_connection, copy_in_duplicate_key_is_conflict) {
  ASSERT_TRUE(c_.exec("CREATE TABLE t (id INT PRIMARY KEY)"));
  auto st = c_.copy_in("COPY t FROM STDIN", "1\n2\n1\n");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error(), errc::conflict);
  EXPECT_EQ(count("t"), 0);
}

TEST_F(pg_connection, failed_copy_in_a_transaction_aborts_it) {
  ASSERT_TRUE(c_.exec("CREATE TABLE t (id INT)"));
  ASSERT_TRUE(c_.exec("BEGIN; INSERT INTO t VALUES (1)"));
  EXPECT_FALSE(c_.copy_in("COPY t FROM STDIN", "x\n"));
  auto st = c_.exec("INSERT INTO t VALUES (2)");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error(), errc::server);  // 25P02: current transaction is aborted
  ASSERT_TRUE(c_.exec("ROLLBACK"));
  EXPECT_EQ(count("t"), 0);
}

TEST_F(pg_connection, copy_in_of_a_missing_table_is_server_error) {
  auto st = c_.copy_in("COPY missing FROM STDIN", "1\n");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error(), errc::server);
  EXPECT_TRUE(c_.ok());
}

TEST_F(pg_connection, copy_through_exec_or_query_is_refused_and_keeps_the_connection) {
  ASSERT_TRUE(c_.exec("CREATE TABLE t (id INT); INSERT INTO t VALUES (1)"));
  auto st = c_.exec("COPY t FROM STDIN");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error(), errc::server);
  auto r = c_.query("COPY t TO STDOUT");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::server);
  auto not_copy = c_.copy_in("SELECT 1", "");
  ASSERT_FALSE(not_copy);
  EXPECT_EQ(not_copy.error(), errc::server);
  EXPECT_TRUE(c_.ok());
  EXPECT_EQ(count("t"), 1);
}

TEST_F(pg_connection, unique_violation_is_conflict) {
  ASSERT_TRUE(c_.exec("CREATE TABLE t (service TEXT, seq BIGINT, UNIQUE (service, seq))"));
  const std::array<pg::param, 2> row = {"api", "7"};
  ASSERT_TRUE(c_.query("INSERT INTO t VALUES ($1, $2)", row));
  auto again = c_.query("INSERT INTO t VALUES ($1, $2)", row);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), errc::conflict);
  EXPECT_NE(c_.last_error().find("duplicate key"), std::string::npos) << c_.last_error();
  EXPECT_TRUE(c_.ok());
}

TEST_F(pg_connection, bad_values_and_integrity_violations_are_bad_data) {
  ASSERT_TRUE(c_.exec("CREATE TABLE t (id INT NOT NULL CHECK (id > 0))"));
  const std::array<pg::param, 1> null_id = {std::nullopt};
  auto not_null = c_.query("INSERT INTO t VALUES ($1)", null_id);
  ASSERT_FALSE(not_null);
  EXPECT_EQ(not_null.error(), errc::bad_data);
  auto check = c_.exec("INSERT INTO t VALUES (-1)");
  ASSERT_FALSE(check);
  EXPECT_EQ(check.error(), errc::bad_data);
  const std::array<pg::param, 1> word = {"abc"};
  auto cast = c_.query("SELECT $1::int", word);
  ASSERT_FALSE(cast);
  EXPECT_EQ(cast.error(), errc::bad_data);
}

TEST_F(pg_connection, syntax_error_is_server_and_keeps_the_message) {
  auto st = c_.exec("SELEC 1");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error(), errc::server);
  EXPECT_NE(c_.last_error().find("syntax error"), std::string::npos) << c_.last_error();
  EXPECT_TRUE(c_.ok());
}

TEST_F(pg_connection, statement_timeout_is_timeout_and_keeps_the_connection) {
  ASSERT_TRUE(c_.exec("SET statement_timeout = '50ms'"));
  auto st = c_.exec("SELECT pg_sleep(5)");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error(), errc::timeout);
  EXPECT_TRUE(c_.ok());
  EXPECT_TRUE(c_.exec("SELECT 1"));
}

// A refused connect is an answer: open returns it at once instead of waiting out the connect
// timeout. The timeout is long here so that the bug (waiting it out, ending in errc::timeout, or
// retrying until it expires) takes 20 s, and the bound, half of it, leaves a loaded machine
// plenty of room.
TEST_F(pg_connection, open_without_a_server_fails_fast_with_io) {
  const auto url = "postgresql://postgres@127.0.0.1:" + std::to_string(unused_port()) + "/postgres";
  constexpr auto connect_timeout = 20s;
  const auto start = std::chrono::steady_clock::now();
  auto c = pg::connection::open(url, connect_timeout);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), errc::io);
  EXPECT_LT(std::chrono::steady_clock::now() - start, connect_timeout / 2);
}

TEST_F(pg_connection, open_of_a_missing_database_is_io) {
  auto c = pg::connection::open(tracehub::testing::with_database(db_.url(), "t_does_not_exist"));
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), errc::io);
}

TEST_F(pg_connection, terminated_session_is_io_then_a_new_open_works) {
  auto pid = c_.query("SELECT pg_backend_pid()");
  ASSERT_TRUE(pid);
  pg::connection admin = db_.connect();
  const std::array<pg::param, 1> target = {pid->get(0, 0)};
  ASSERT_TRUE(admin.query("SELECT pg_terminate_backend($1::int, 5000)", target));

  auto st = c_.exec("SELECT 1");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error(), errc::io);
  EXPECT_FALSE(c_.ok());
  EXPECT_FALSE(c_.last_error().empty());
  // A closed connection stays closed.
  auto again = c_.query("SELECT 1");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), errc::io);
  EXPECT_EQ(c_.copy_in("COPY t FROM STDIN", "").error(), errc::io);

  auto fresh = pg::connection::open(db_.url());
  ASSERT_TRUE(fresh);
  EXPECT_TRUE(fresh->exec("SELECT 1"));
}

// Every session asks the server to check its client while a statement runs (docs/PROTOCOL.md,
// "Postgres sessions"); the options a url gives come after that and so override it.
TEST_F(pg_connection, session_checks_its_client_unless_the_url_says_otherwise) {
  auto interval_ms = [](pg::connection& c) {
    auto r = c.query(
        "SELECT setting::int FROM pg_settings WHERE name = 'client_connection_check_interval'");
    EXPECT_TRUE(r) << c.last_error();
    return r ? r->get_int(0, 0) : -1;
  };
  EXPECT_EQ(interval_ms(c_), pg::client_check_interval.count());

  const std::string& url = db_.url();
  const std::string options =
      url.find("://") == std::string::npos
          ? " options='-c client_connection_check_interval=250'"
          : (url.find('?') == std::string::npos ? "?" : "&") +
                std::string("options=-c%20client_connection_check_interval%3D250");
  auto own = pg::connection::open(url + options);
  ASSERT_TRUE(own);
  EXPECT_EQ(interval_ms(*own), 250);
}

TEST_F(pg_connection, moved_from_connection_is_not_ok) {
  pg::connection other = std::move(c_);
  EXPECT_TRUE(other.ok());
  EXPECT_FALSE(c_.ok());  // NOLINT(bugprone-use-after-move): the moved-from state is the point
  EXPECT_EQ(c_.exec("SELECT 1").error(), errc::io);
}

}  // namespace
