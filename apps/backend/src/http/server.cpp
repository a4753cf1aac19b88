#include "http/server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <array>

#include "http/logger.h"

namespace tracehub::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

bool expected_end(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
         ec == beast::error::timeout;
}

void fail(const beast::error_code& ec, const char* what) {
  if (!expected_end(ec)) log().warn("{}: {}", what, ec.message());
}

// A HEAD reply keeps the Content-Length of the body it would have sent, without the body.
bhttp::response<bhttp::string_body> to_response(reply r, unsigned version, bool keep_alive,
                                                bool head = false) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), version};
  res.set(bhttp::field::server, "tracehub");
  res.set(bhttp::field::content_type, r.content_type);
  for (auto& [name, value] : r.headers)
    res.set(name, value);
  res.keep_alive(keep_alive);
  res.body() = std::move(r.body);
  res.prepare_payload();
  if (head) {
    auto length = res.body().size();
    res.body().clear();
    res.content_length(length);
  }
  return res;
}

// Routes one request; a handler that throws becomes a 500 and one log line.
asio::awaitable<reply> dispatch(const router& r, request& req) {
  try {
    co_return co_await r.route(req);
  } catch (const std::exception& e) {
    log().error("{} {}: unhandled: {}", std::string(req.method_string()), std::string(req.target()),
                e.what());
  }
  co_return json_error(500, "internal", "the server failed to handle the request");
}

// After refusing a request whose body we will not read: stop sending, then read and discard
// what the client still sends (briefly, bounded), so closing does not reset the connection
// before the client has read the refusal.
asio::awaitable<void> linger(beast::tcp_stream& stream) {
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) co_return;
  std::array<char, 64 * 1024> scratch;
  std::size_t drained = 0;
  stream.expires_after(std::chrono::seconds(2));
  while (drained < 64 * 1024 * 1024) {
    auto [rec, n] = co_await stream.async_read_some(asio::buffer(scratch), use_tuple);
    if (rec) break;
    drained += n;
  }
}

asio::awaitable<void> session(tcp::socket socket, server_options opts,
                              std::shared_ptr<const router> r) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(opts.body_limit);
    stream.expires_after(opts.read_timeout);
    auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, use_tuple);
    auto& header = parser.get();
    auto too_large = [&]() -> asio::awaitable<void> {
      auto res = to_response(
          json_error(413, "body_too_large",
                     "the body exceeds the limit of " + std::to_string(opts.body_limit) + " bytes"),
          header.version(), false);
      auto [wec, wn] = co_await bhttp::async_write(stream, res, use_tuple);
      if (!wec) co_await linger(stream);
    };
    // Beast refuses a Content-Length over the limit while reading the header.
    if (ec == bhttp::error::body_limit) co_return co_await too_large();
    if (ec) co_return fail(ec, "read header");
    if (beast::iequals(header[bhttp::field::expect], "100-continue")) {
      bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, header.version()};
      auto [wec, wn] = co_await bhttp::async_write(stream, cont, use_tuple);
      if (wec) co_return fail(wec, "write 100-continue");
    }
    std::tie(ec, n) = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
    if (ec == bhttp::error::body_limit) co_return co_await too_large();
    if (ec) co_return fail(ec, "read body");
    stream.expires_never();

    request req = parser.release();
    if (opts.on_upgrade && beast::websocket::is_upgrade(req)) {
      opts.on_upgrade(stream.release_socket(), std::move(req));
      co_return;
    }
    bool keep_alive = req.keep_alive();
    req.set(peer_header, stream.socket().remote_endpoint(ec).address().to_string());
    auto rep = co_await dispatch(*r, req);
    if (rep.drop_connection) break;
    auto res =
        to_response(std::move(rep), req.version(), keep_alive, req.method() == bhttp::verb::head);
    auto [wec, wn] = co_await bhttp::async_write(stream, res, use_tuple);
    if (wec) co_return fail(wec, "write");
    if (!keep_alive) break;
  }
  beast::error_code ignored;  // the peer may be gone already; nothing to do about it
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, server_options opts,
                                  std::shared_ptr<const router> r) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) {
      log().warn("accept: {}", ec.message());
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    asio::co_spawn(acceptor.get_executor(), session(std::move(socket), opts, r),
                   [](std::exception_ptr e) {
                     if (!e) return;
                     try {
                       std::rethrow_exception(e);
                     } catch (const std::exception& ex) {
                       log().error("session: {}", ex.what());
                     }
                   });
  }
}

}  // namespace

server::server(asio::io_context& io, server_options opts, std::shared_ptr<const router> r)
    : io_(io), opts_(std::move(opts)), router_(std::move(r)), acceptor_(io) {
  tcp::endpoint ep{asio::ip::make_address(opts_.bind), opts_.port};
  acceptor_.open(ep.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(ep);
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

void server::start() {
  asio::co_spawn(io_, accept_loop(acceptor_, opts_, router_), asio::detached);
}

void server::stop() {
  beast::error_code ignored;  // closing an already closed acceptor is fine
  acceptor_.close(ignored);
}

unsigned short server::port() const {
  return acceptor_.local_endpoint().port();
}

}  // namespace tracehub::http
