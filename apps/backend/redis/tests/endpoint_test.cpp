#include "backend/redis/endpoint.h"

#include <gtest/gtest.h>

#include "backend/redis/errc.h"

namespace tracehub::redis {
namespace {

TEST(parse_url, host_port_and_db) {
  auto ep = parse_url("redis://10.0.0.5:6380/3");
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->host, "10.0.0.5");
  EXPECT_EQ(ep->port, 6380);
  EXPECT_EQ(ep->db, 3);
  EXPECT_EQ(ep->user, "");
  EXPECT_EQ(ep->password, "");
}

TEST(parse_url, host_alone_takes_defaults) {
  auto ep = parse_url("redis://cache.internal");
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->host, "cache.internal");
  EXPECT_EQ(ep->port, 6379);
  EXPECT_EQ(ep->db, 0);
}

TEST(parse_url, trailing_slash_means_db_zero) {
  auto ep = parse_url("redis://127.0.0.1:7000/");
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->port, 7000);
  EXPECT_EQ(ep->db, 0);
}

TEST(parse_url, password_without_user) {
  auto ep = parse_url("redis://:s3cret@localhost:6379/1");
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->user, "");
  EXPECT_EQ(ep->password, "s3cret");
  EXPECT_EQ(ep->host, "localhost");
  EXPECT_EQ(ep->db, 1);
}

TEST(parse_url, user_and_password) {
  auto ep = parse_url("redis://ingest:pa:ss@localhost");
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->user, "ingest");
  EXPECT_EQ(ep->password, "pa:ss");  // only the first ':' splits user from password
}

TEST(parse_url, percent_encoded_password_and_raw_at_sign) {
  auto ep = parse_url("redis://:p%40ss%2Fw@rd@host:1");
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->password, "p@ss/w@rd");
  EXPECT_EQ(ep->host, "host");
  EXPECT_EQ(ep->port, 1);
}

TEST(parse_url, bracketed_ipv6_host) {
  auto ep = parse_url("redis://[::1]:6390/2");
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->host, "::1");
  EXPECT_EQ(ep->port, 6390);
  EXPECT_EQ(ep->db, 2);
}

TEST(parse_url, rejects_malformed_urls_with_protocol_error) {
  for (const char* bad : {
           "",
           "127.0.0.1:6379",
           "http://127.0.0.1:6379",
           "rediss://127.0.0.1",
           "redis://",
           "redis://:6379",
           "redis://host:",
           "redis://host:0",
           "redis://host:65536",
           "redis://host:-1",
           "redis://host:12ab",
           "redis://host:6379x",
           "redis://host/abc",
           "redis://host/-1",
           "redis://host/1/2",
           "redis://host/1?timeout=5",
           "redis://nocolon@host",
           "redis://:bad%2@host",
           "redis://:bad%zz@host",
           "redis://[::1",
           "redis://[::1]x",
           "redis://[]:6379",
       }) {
    auto ep = parse_url(bad);
    ASSERT_FALSE(ep) << bad;
    EXPECT_EQ(ep.error(), make_error_code(errc::protocol)) << bad;
  }
}

TEST(errc, codes_belong_to_the_redis_category) {
  error_code ec = errc::timeout;
  EXPECT_EQ(ec.category().name(), std::string("redis"));
  EXPECT_NE(make_error_code(errc::timeout), make_error_code(errc::io));
  EXPECT_FALSE(ec.message().empty());
}

}  // namespace
}  // namespace tracehub::redis
