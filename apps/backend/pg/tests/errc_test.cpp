#include <gtest/gtest.h>

#include "backend/pg/errc.h"
#include "backend/pg/error_map.h"

namespace pg = tracehub::pg;
using pg::errc;
using pg::detail::errc_for_sqlstate;

TEST(pg_errc, unique_violation_is_conflict) {
  EXPECT_EQ(errc_for_sqlstate("23505"), errc::conflict);
}

TEST(pg_errc, data_exceptions_and_other_integrity_violations_are_bad_data) {
  EXPECT_EQ(errc_for_sqlstate("22P02"), errc::bad_data);  // invalid_text_representation
  EXPECT_EQ(errc_for_sqlstate("22001"), errc::bad_data);  // string_data_right_truncation
  EXPECT_EQ(errc_for_sqlstate("23502"), errc::bad_data);  // not_null_violation
  EXPECT_EQ(errc_for_sqlstate("23503"), errc::bad_data);  // foreign_key_violation
  EXPECT_EQ(errc_for_sqlstate("23514"), errc::bad_data);  // check_violation
}

TEST(pg_errc, query_canceled_is_timeout) {
  EXPECT_EQ(errc_for_sqlstate("57014"), errc::timeout);
}

TEST(pg_errc, connection_exceptions_and_server_shutdown_are_io) {
  EXPECT_EQ(errc_for_sqlstate("08000"), errc::io);
  EXPECT_EQ(errc_for_sqlstate("08006"), errc::io);
  EXPECT_EQ(errc_for_sqlstate("08P01"), errc::io);
  EXPECT_EQ(errc_for_sqlstate("57P01"), errc::io);  // admin_shutdown
  EXPECT_EQ(errc_for_sqlstate("57P02"), errc::io);  // crash_shutdown
  EXPECT_EQ(errc_for_sqlstate("57P03"), errc::io);  // cannot_connect_now
}

TEST(pg_errc, passing_server_failures_are_transient_and_never_blame_the_data) {
  for (auto s : {"53100", "53200", "53300", "58030", "40001", "40P01", "55P03", "XX000"}) {
    EXPECT_EQ(errc_for_sqlstate(s), errc::transient) << s;
    EXPECT_TRUE(pg::is_transient(errc_for_sqlstate(s))) << s;
  }
  EXPECT_TRUE(pg::is_transient(errc::io));
  EXPECT_TRUE(pg::is_transient(errc::timeout));
  EXPECT_FALSE(pg::is_transient(errc::bad_data));
  EXPECT_FALSE(pg::is_transient(errc::server));
}

TEST(pg_errc, everything_else_is_server) {
  EXPECT_EQ(errc_for_sqlstate("42601"), errc::server);  // syntax_error
  EXPECT_EQ(errc_for_sqlstate("42P01"), errc::server);  // undefined_table
  EXPECT_EQ(errc_for_sqlstate("57P04"), errc::server);  // database_dropped
  EXPECT_EQ(errc_for_sqlstate(""), errc::server);
}

TEST(pg_errc, codes_carry_the_pg_category) {
  const tracehub::error_code ec = errc::conflict;
  EXPECT_EQ(&ec.category(), &pg::category());
  EXPECT_STREQ(ec.category().name(), "tracehub.pg");
  EXPECT_EQ(ec, errc::conflict);
  EXPECT_NE(ec, errc::io);
  EXPECT_FALSE(ec.message().empty());
}
