// http/server.h — the HTTP listener and its sessions (Beast, C++20 coroutines).
//
// One listener per port accepts connections and runs one session coroutine per socket on the
// io_context it was given (the backend runs one io thread, so sessions need no locks). A
// session is a loop: read a request (header first: body size and deadline are checked before
// the body is read), route it, write the reply, until the peer closes or keep-alive ends.
// Every read has a deadline and a body limit; a body over the limit is answered 413 and the
// connection closed (it cannot be resynchronised). WebSocket upgrades go to the
// server_options::on_upgrade hook (this module knows nothing of what runs over them).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "base/result.h"
#include "http/router.h"

namespace tracehub::http {

struct server_options {
  std::string bind = "127.0.0.1";
  unsigned short port = 3001;
  std::size_t body_limit = 8 * 1024 * 1024;
  std::chrono::seconds read_timeout{30};
  // When set, a WebSocket upgrade request (any path) is handed here with its socket, on the io
  // thread, and the HTTP session ends; the callee owns the connection from then on. When
  // empty, upgrade requests are routed like any other request.
  std::function<void(boost::asio::ip::tcp::socket&&, request&&)> on_upgrade;
};

class server {
 public:
  // Binds and listens at once (so the caller learns about a port in use), accepting starts
  // with start(). Throws boost::system::system_error if the port cannot be bound.
  server(boost::asio::io_context& io, server_options opts, std::shared_ptr<const router> r);
  void start();
  void stop();
  unsigned short port() const;  // the bound port (useful when 0 was asked for)

 private:
  boost::asio::io_context& io_;
  server_options opts_;
  std::shared_ptr<const router> router_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace tracehub::http
