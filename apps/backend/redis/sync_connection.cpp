#include "backend/redis/sync_connection.h"

#include <sys/time.h>

#include <cerrno>

#include <hiredis/hiredis.h>

#include "backend/redis/errc.h"
#include "backend/redis/error_map.h"
#include "backend/redis/logger.h"

namespace tracehub::redis {

namespace {

timeval to_timeval(std::chrono::milliseconds d) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(d.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((d.count() % 1000) * 1000);
  return tv;
}

// Argument arrays in the form redisAppendCommandArgv wants; views into the caller's strings.
struct argv_arrays {
  std::vector<const char*> ptrs;
  std::vector<std::size_t> lens;

  template <class Range>
  explicit argv_arrays(const Range& args) {
    ptrs.reserve(args.size());
    lens.reserve(args.size());
    for (const auto& a : args) {
      ptrs.push_back(a.data());
      lens.push_back(a.size());
    }
  }
  int argc() const { return static_cast<int>(ptrs.size()); }
};

result<reply> handshake_step(sync_connection& c, std::initializer_list<std::string_view> argv,
                             const char* what) {
  auto r = c.command(argv);
  if (!r) return r;
  if (r->view().is_error()) {
    log().warn("{} refused: {}", what, r->view().str());
    return make_error_code(errc::server);
  }
  return r;
}

}  // namespace

void context_deleter::operator()(redisContext* c) const {
  redisFree(c);
}

result<sync_connection> sync_connection::open(const endpoint& ep,
                                              std::chrono::milliseconds timeout) {
  redisContext* raw = redisConnectWithTimeout(ep.host.c_str(), ep.port, to_timeval(timeout));
  int saved_errno = errno;
  if (raw == nullptr) return make_error_code(errc::io);  // hiredis could not allocate
  sync_connection conn(raw);
  if (raw->err != 0) {
    log().debug("connect {}:{} failed: {}", ep.host, ep.port, raw->errstr);
    return map_context_error(*raw, saved_errno);
  }
  if (redisSetTimeout(raw, to_timeval(timeout)) != REDIS_OK) {
    return map_context_error(*raw, errno);
  }

  if (!ep.password.empty()) {
    auto r = ep.user.empty() ? handshake_step(conn, {"AUTH", ep.password}, "AUTH")
                             : handshake_step(conn, {"AUTH", ep.user, ep.password}, "AUTH");
    if (!r) return r.error();
  }
  if (ep.db != 0) {
    std::string db = std::to_string(ep.db);
    auto r = handshake_step(conn, {"SELECT", db}, "SELECT");
    if (!r) return r.error();
  }
  return conn;
}

bool sync_connection::ok() const {
  return ctx_ != nullptr && ctx_->err == 0;
}

result<reply> sync_connection::command(std::initializer_list<std::string_view> argv) {
  return command(std::span<const std::string_view>(argv.begin(), argv.size()));
}

result<reply> sync_connection::command(std::span<const std::string_view> argv) {
  if (!ok()) return make_error_code(errc::closed);
  // An empty command is sent as "*0", which the server ignores: it would only time out.
  if (argv.empty()) return make_error_code(errc::protocol);
  argv_arrays a(argv);
  void* r = redisCommandArgv(ctx_.get(), a.argc(), a.ptrs.data(), a.lens.data());
  int saved_errno = errno;
  if (r == nullptr) return map_context_error(*ctx_, saved_errno);
  return reply(static_cast<redisReply*>(r));
}

result<std::vector<reply>> sync_connection::pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  if (!ok()) return make_error_code(errc::closed);
  for (const auto& cmd : commands) {
    if (cmd.empty()) return make_error_code(errc::protocol);
  }
  for (const auto& cmd : commands) {
    argv_arrays a(cmd);
    if (redisAppendCommandArgv(ctx_.get(), a.argc(), a.ptrs.data(), a.lens.data()) != REDIS_OK) {
      return map_context_error(*ctx_, errno);
    }
  }
  std::vector<reply> replies;
  replies.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    void* r = nullptr;
    int rc = redisGetReply(ctx_.get(), &r);
    int saved_errno = errno;
    if (rc != REDIS_OK || r == nullptr) return map_context_error(*ctx_, saved_errno);
    replies.emplace_back(static_cast<redisReply*>(r));
  }
  return replies;
}

}  // namespace tracehub::redis
