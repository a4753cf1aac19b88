// http/server.h — the HTTP listener and its sessions (Beast, C++20 coroutines).
//
// One listener per port accepts connections and runs one session coroutine per socket on the
// io_context it was given (the backend runs one io thread, so sessions need no locks). A
// session is a loop: read a request (header first: header size, route guard, body size and
// deadline are checked before the body is read), route it, write the reply, until the peer
// closes or keep-alive ends. Every read and every write has a deadline: a header over the
// limit is answered 431, a body over the limit 413, a guard's refusal as the guard says — each
// closing the connection (it cannot be resynchronised); a reader that stalls a response past
// the write deadline and a keep-alive connection idle past its deadline are dropped. Past
// max_connections a new connection gets 503 and is closed; accept errors (EMFILE) back off.
// WebSocket upgrades go to the server_options::on_upgrade hook (this module knows nothing of
// what runs over them).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "backend/base/result.h"
#include "backend/http/router.h"

namespace tracehub::http {

struct server_options {
  std::string bind = "127.0.0.1";
  unsigned short port = 3001;
  std::size_t body_limit = 8 * 1024 * 1024;
  std::size_t header_limit = 16 * 1024;  // request line and headers; larger: 431
  // The first request's header, and every body, must arrive within read_timeout; a kept-alive
  // connection's next header within idle_timeout (then it is closed).
  std::chrono::milliseconds read_timeout{30'000};
  std::chrono::milliseconds idle_timeout{15'000};
  // Each response must be taken by the peer within this, or the connection is dropped.
  std::chrono::milliseconds write_timeout{30'000};
  // Open connections of this listener (WebSocket ones leave the count on upgrade); a new one
  // past it is answered 503 and closed.
  std::size_t max_connections = 2048;
  // When set, a WebSocket upgrade request (any path) is handed here with its socket, on the io
  // thread, and the HTTP session ends; the callee owns the connection from then on. When
  // empty, upgrade requests are routed like any other request.
  std::function<void(boost::asio::ip::tcp::socket&&, request&&)> on_upgrade;
};

struct connection_counts;  // server.cpp

// Answers `r` on a connection taken over through on_upgrade (an upgrade refused after all) and
// closes it as the server closes its own refusals: the reply (with its headers), then a brief
// drain of what the client still sends. Also here so that Beast's HTTP writer is compiled in
// this module only.
boost::asio::awaitable<void> refuse_upgrade(boost::asio::ip::tcp::socket socket, reply r,
                                            unsigned version,
                                            std::chrono::milliseconds write_timeout);

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
  std::shared_ptr<connection_counts> counts_;  // shared with the sessions
};

}  // namespace tracehub::http
