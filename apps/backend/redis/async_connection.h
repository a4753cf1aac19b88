// redis/async_connection.h — a Redis connection on the Asio event loop (hiredis async API with
// its socket registered on the io_context), so coroutines await replies without blocking a
// thread. Commands issued by many coroutines are pipelined on the one socket.
//
// Threading: create, start, stop and command only from the executor's thread (the backend's
// single io thread); the class holds no mutex. Owned through shared_ptr because in-flight
// commands keep it alive; the socket waits and timers only hold weak references, so dropping
// the last shared_ptr stops it like stop() does. Destroy it before its io_context.
//
// Connecting: hiredis 0.14 resolves a host name with a blocking getaddrinfo, so configure an IP
// address. AUTH (with endpoint::user when set) and SELECT run before connected() turns true;
// a refused handshake drops the link and retries with back-off.
//
// Failures: while disconnected, command() completes at once with errc::closed; the connection
// reconnects by itself with back-off (see options). A command without a reply within
// options::command_timeout completes with errc::timeout and drops the connection (hiredis cannot
// cancel a single command); it then reconnects. Server error replies come back as replies with
// is_error().
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "backend/base/result.h"
#include "backend/redis/endpoint.h"
#include "backend/redis/reply.h"

namespace tracehub::redis {

struct async_options {
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds command_timeout{5000};
  std::chrono::milliseconds reconnect_min{100};
  std::chrono::milliseconds reconnect_max{2000};
};

class async_connection : public std::enable_shared_from_this<async_connection> {
 public:
  static std::shared_ptr<async_connection> create(boost::asio::any_io_executor ex, endpoint ep,
                                                  async_options opts = {});
  ~async_connection();
  async_connection(const async_connection&) = delete;
  async_connection& operator=(const async_connection&) = delete;

  // Begins connecting (and reconnecting whenever the link drops). Does not wait.
  void start();
  // Disconnects; every pending command completes with errc::closed. No reconnect after this.
  void stop();
  // True when connected and ready (AUTH/SELECT done).
  bool connected() const;

  // Sends one command (argv binary-safe) and completes with its reply.
  boost::asio::awaitable<result<reply>> command(std::vector<std::string> argv);

  struct impl;  // public only so the hiredis C callbacks in the .cpp can name it

 private:
  async_connection() = default;
  std::unique_ptr<impl> impl_;
};

}  // namespace tracehub::redis
