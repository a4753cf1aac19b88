#include "backend/testing/pg_database.h"

#include <cstdio>
#include <random>
#include <stdexcept>
#include <utility>

#include <gtest/gtest.h>

#include "backend/pg/connection.h"
#include "backend/testing/env.h"

namespace tracehub::testing {

namespace {

constexpr const char* admin_url_variable = "TRACEHUB_TEST_PG_URL";

[[noreturn]] void fail_setup(const std::string& message) {
  ADD_FAILURE() << message;
  throw std::runtime_error(message);
}

std::string random_database_name() {
  std::random_device seed;
  std::mt19937_64 gen(seed());
  constexpr char hex[] = "0123456789abcdef";
  std::string name = "t_";
  std::uint64_t bits = gen();
  for (int i = 0; i < 16; ++i, bits >>= 4)
    name += hex[bits & 0xf];
  return name;
}

std::string describe(const pg::connection& c, const error_code& ec) {
  return ec.message() + (c.last_error().empty() ? "" : ": " + c.last_error());
}

}  // namespace

std::string with_database(const std::string& url, const std::string& dbname) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) {
    // conninfo: a later keyword overrides an earlier one.
    return url + " dbname=" + dbname;
  }
  const std::size_t authority = scheme_end + 3;
  const std::size_t path = url.find_first_of("/?", authority);
  const std::size_t query = url.find('?', authority);
  std::string out = url.substr(0, path == std::string::npos ? url.size() : path);
  out += "/" + dbname;
  if (query != std::string::npos) out += url.substr(query);
  return out;
}

pg_database::pg_database(std::string admin_url, std::string name)
    : admin_url_(std::move(admin_url)),
      name_(std::move(name)),
      url_(with_database(admin_url_, name_)) {}

pg_database::pg_database(pg_database&& other) noexcept
    : admin_url_(std::move(other.admin_url_)),
      name_(std::exchange(other.name_, {})),
      url_(std::move(other.url_)) {}

pg_database pg_database::create() {
  std::string admin_url = require_env(admin_url_variable);
  auto admin = pg::connection::open(admin_url);
  if (!admin) {
    fail_setup(std::string("cannot connect to ") + admin_url_variable + "=" + admin_url + " (" +
               admin.error().message() + ")");
  }
  std::string name = random_database_name();
  if (auto st = admin->exec("CREATE DATABASE " + name); !st) {
    fail_setup("CREATE DATABASE " + name + " failed: " + describe(*admin, st.error()));
  }
  return pg_database(std::move(admin_url), std::move(name));
}

pg::connection pg_database::connect() const {
  auto c = pg::connection::open(url_);
  if (!c) fail_setup("cannot connect to " + url_ + " (" + c.error().message() + ")");
  return std::move(*c);
}

pg_database::~pg_database() {
  if (name_.empty()) return;
  auto admin = pg::connection::open(admin_url_);
  if (!admin) {
    std::fprintf(stderr, "pg_database: cannot connect to drop %s: %s\n", name_.c_str(),
                 admin.error().message().c_str());
    return;
  }
  if (auto st = admin->exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)"); !st) {
    std::fprintf(stderr, "pg_database: DROP DATABASE %s failed: %s\n", name_.c_str(),
                 describe(*admin, st.error()).c_str());
  }
}

}  // namespace tracehub::testing
