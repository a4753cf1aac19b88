// redis/reply.h — owning and non-owning views of a hiredis reply.
//
// `reply` owns one redisReply (freed by the deleter declared here, the only place that calls
// freeReplyObject). `reply_view` borrows a reply or one of its elements; it is valid as long
// as the owning `reply` lives. Neither exposes hiredis types to callers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "backend/base/result.h"

struct redisReply;

namespace tracehub::redis {

class reply_view {
 public:
  explicit reply_view(const redisReply* r) : r_(r) {}

  bool is_nil() const;
  bool is_error() const;   // an error reply; str() holds the server's message
  bool is_status() const;  // +OK style
  bool is_string() const;
  bool is_integer() const;
  bool is_array() const;

  std::string_view str() const;                // string, status or error text; empty otherwise
  std::int64_t integer() const;                // 0 unless is_integer()
  std::size_t size() const;                    // number of elements of an array; 0 otherwise
  reply_view operator[](std::size_t i) const;  // precondition: i < size()

 private:
  const redisReply* r_;
};

struct reply_deleter {
  void operator()(redisReply* r) const;
};

class reply {
 public:
  reply() = default;
  explicit reply(redisReply* r) : r_(r) {}  // takes ownership
  reply_view view() const { return reply_view(r_.get()); }
  explicit operator bool() const { return r_ != nullptr; }

 private:
  std::unique_ptr<redisReply, reply_deleter> r_;
};

// A command's result as a status: the call's own error, or errc::server for an error reply
// (whose text is logged, named by `what`). For callers that only need the command to succeed.
status expect_ok(const result<reply>& r, std::string_view what);

}  // namespace tracehub::redis
