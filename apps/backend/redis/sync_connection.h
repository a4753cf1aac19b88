// redis/sync_connection.h — a blocking Redis connection for threads that may block: the queue
// worker, tests, benchmarks, start-up tasks. Not thread-safe: one thread uses it at a time.
//
// Every call has the deadline given at open(); a timeout is errc::timeout, distinct from
// errc::io, and leaves the connection unusable (ok() == false): open a new one.
// Server error replies are not errors of the call: the returned reply has is_error().
#pragma once

#include <chrono>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backend/base/result.h"
#include "backend/redis/endpoint.h"
#include "backend/redis/reply.h"

struct redisContext;

namespace tracehub::redis {

struct context_deleter {
  void operator()(redisContext* c) const;
};

class sync_connection {
 public:
  // Connects, AUTHs and SELECTs as the endpoint says. errc::io / errc::timeout on failure,
  // errc::server when the server refuses AUTH or SELECT.
  static result<sync_connection> open(const endpoint& ep, std::chrono::milliseconds timeout);

  sync_connection(sync_connection&&) noexcept = default;
  sync_connection& operator=(sync_connection&&) noexcept = default;
  sync_connection(const sync_connection&) = delete;
  sync_connection& operator=(const sync_connection&) = delete;

  // One command, argv binary-safe. Returns the reply (possibly an error reply); errc::closed
  // when the connection is already unusable (!ok()).
  result<reply> command(std::span<const std::string_view> argv);
  result<reply> command(std::initializer_list<std::string_view> argv);

  // Sends every command in one write, then reads all replies in order (one round trip). An
  // I/O failure fails the whole call and leaves !ok(): replies would no longer match commands.
  // An empty command in the list is errc::protocol before anything is sent.
  result<std::vector<reply>> pipeline(const std::vector<std::vector<std::string>>& commands);

  bool ok() const;

  // The hiredis context, for redis/subscriber.cpp (inside redis/ only: no caller outside this
  // module sees a hiredis type).
  redisContext* raw() const { return ctx_.get(); }

 private:
  explicit sync_connection(redisContext* c) : ctx_(c) {}
  std::unique_ptr<redisContext, context_deleter> ctx_;
};

}  // namespace tracehub::redis
