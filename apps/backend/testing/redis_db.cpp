#include "backend/testing/redis_db.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "backend/testing/env.h"

namespace tracehub::testing {

redis_db::redis_db(int index) {
  std::string base = require_env("TRACEHUB_TEST_REDIS_URL");
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  url_ = base + "/" + std::to_string(index);
  auto c = connect();
  auto r = c.command({"FLUSHDB"});
  if (!r || r->view().is_error()) throw std::runtime_error("FLUSHDB failed on " + url_);
}

redis_db::~redis_db() {
  auto ep = redis::parse_url(url_);
  if (!ep) return;
  auto c = redis::sync_connection::open(*ep, std::chrono::seconds(5));
  if (c) (void)c->command({"FLUSHDB"});  // best effort: the next test flushes on entry too
}

redis::sync_connection redis_db::connect() const {
  auto ep = redis::parse_url(url_);
  if (!ep) throw std::runtime_error("bad TRACEHUB_TEST_REDIS_URL: " + url_);
  auto c = redis::sync_connection::open(*ep, std::chrono::seconds(5));
  if (!c) {
    ADD_FAILURE() << "cannot connect to " << url_ << ": " << c.error().message();
    throw std::runtime_error("redis unreachable");
  }
  return std::move(*c);
}

long long redis_db::integer(std::initializer_list<std::string_view> argv) const {
  auto c = connect();
  auto r = c.command(argv);
  if (!r || !r->view().is_integer()) return -1;
  return r->view().integer();
}

}  // namespace tracehub::testing
