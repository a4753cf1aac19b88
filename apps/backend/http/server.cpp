#include "backend/http/server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <array>
#include <atomic>

#include "backend/base/backoff.h"
#include "backend/http/logger.h"

namespace tracehub::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
using namespace std::chrono_literals;

// Connections of one listener: sessions hold a slot; refusals past the cap are counted too,
// so a flood of refusals is bounded as well. Atomic: a session may end on another thread if
// the io_context ever runs on several.
struct connection_counts {
  std::atomic<std::size_t> open{0};
  std::atomic<std::size_t> refusing{0};
};

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
// Refusals past max_connections in flight at once; beyond it a connection is closed unanswered.
constexpr std::size_t max_refusing = 64;
constexpr auto min_accept_backoff = 10ms;
constexpr auto max_accept_backoff = 1000ms;

bool expected_end(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
         ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::operation_aborted || ec == asio::error::broken_pipe ||
         ec == beast::error::timeout;
}

void fail(const beast::error_code& ec, const char* what) {
  if (!expected_end(ec)) log().warn("{}: {}", what, ec.message());
}

// Decrements its counter when the session ends, however it ends.
class slot {
 public:
  explicit slot(std::atomic<std::size_t>& n) : n_(n) { ++n_; }
  ~slot() { --n_; }
  slot(const slot&) = delete;
  slot& operator=(const slot&) = delete;

 private:
  std::atomic<std::size_t>& n_;
};

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

// Answers `r` on a connection that ends after it (a request refused before its body, a
// header over the limit, too many connections), then lingers.
asio::awaitable<void> refuse(beast::tcp_stream& stream, reply r, unsigned version,
                             std::chrono::milliseconds write_timeout) {
  auto res = to_response(std::move(r), version, false);
  stream.expires_after(write_timeout);
  auto [ec, n] = co_await bhttp::async_write(stream, res, use_tuple);
  if (ec) co_return fail(ec, "write refusal");
  co_await linger(stream);
}

// The peer's and the local address as the peer_header and local_header of `h` (reply.h),
// replacing whatever the client sent under those names.
void stamp_addresses(request_header& h, const tcp::socket& socket) {
  beast::error_code ec;  // a socket that lost its peer already: empty addresses, refused later
  auto peer = socket.remote_endpoint(ec);
  h.set(peer_header, ec ? std::string() : peer.address().to_string());
  auto local = socket.local_endpoint(ec);
  h.set(local_header, ec ? std::string() : local.address().to_string());
}

asio::awaitable<void> session(tcp::socket socket, server_options opts,
                              std::shared_ptr<const router> r,
                              std::shared_ptr<connection_counts> counts) {
  slot held(counts->open);
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (bool first = true;; first = false) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(opts.header_limit));
    parser.body_limit(opts.body_limit);
    stream.expires_after(first ? opts.read_timeout : opts.idle_timeout);
    auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, use_tuple);
    auto& header = parser.get();
    auto too_large = [&] {
      return json_error(
          413, "body_too_large",
          "the body exceeds the limit of " + std::to_string(opts.body_limit) + " bytes");
    };
    if (ec == bhttp::error::header_limit)
      co_return co_await refuse(stream,
                                json_error(431, "header_too_large",
                                           "the request line and headers exceed " +
                                               std::to_string(opts.header_limit) + " bytes"),
                                11, opts.write_timeout);
    // Beast refuses a Content-Length over the limit while reading the header.
    if (ec == bhttp::error::body_limit)
      co_return co_await refuse(stream, too_large(), header.version(), opts.write_timeout);
    if (ec) co_return fail(ec, "read header");
    stamp_addresses(header, stream.socket());
    if (auto refused = r->screen(header))
      co_return co_await refuse(stream, std::move(*refused), header.version(), opts.write_timeout);
    if (beast::iequals(header[bhttp::field::expect], "100-continue")) {
      // string_body, though empty: the same writer as every other response, not a second one.
      bhttp::response<bhttp::string_body> cont{bhttp::status::continue_, header.version()};
      stream.expires_after(opts.write_timeout);
      auto [wec, wn] = co_await bhttp::async_write(stream, cont, use_tuple);
      if (wec) co_return fail(wec, "write 100-continue");
    }
    stream.expires_after(opts.read_timeout);
    std::tie(ec, n) = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
    if (ec == bhttp::error::body_limit)
      co_return co_await refuse(stream, too_large(), header.version(), opts.write_timeout);
    if (ec) co_return fail(ec, "read body");
    stream.expires_never();

    request req = parser.release();
    if (opts.on_upgrade && beast::websocket::is_upgrade(req)) {
      opts.on_upgrade(stream.release_socket(), std::move(req));
      co_return;
    }
    bool keep_alive = req.keep_alive();
    auto rep = co_await dispatch(*r, req);
    if (rep.drop_connection) break;
    auto res =
        to_response(std::move(rep), req.version(), keep_alive, req.method() == bhttp::verb::head);
    stream.expires_after(opts.write_timeout);
    auto [wec, wn] = co_await bhttp::async_write(stream, res, use_tuple);
    if (wec) co_return fail(wec, "write");
    if (!keep_alive) break;
  }
  beast::error_code ignored;  // the peer may be gone already; nothing to do about it
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

// A connection past max_connections: 503 with Retry-After, without reading the request.
asio::awaitable<void> refuse_busy(tcp::socket socket, std::shared_ptr<connection_counts> counts,
                                  std::chrono::milliseconds write_timeout) {
  slot held(counts->refusing);
  beast::tcp_stream stream(std::move(socket));
  auto r = json_error(503, "too_many_connections",
                      "the server has too many open connections; retry shortly");
  r.headers.emplace_back("Retry-After", "1");
  co_await refuse(stream, std::move(r), 11, std::min(write_timeout, 2000ms));
}

void log_session_end(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    log().error("session: {}", ex.what());
  }
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, server_options opts,
                                  std::shared_ptr<const router> r,
                                  std::shared_ptr<connection_counts> counts) {
  asio::steady_timer wait(acceptor.get_executor());
  backoff delays(min_accept_backoff, max_accept_backoff);
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) {
      // Out of descriptors (EMFILE) or memory: the pending connection stays in the backlog,
      // so retrying at once would spin. Wait, doubling up to a second, until one frees up.
      auto delay = delays.next();
      if (delay < max_accept_backoff)
        log().warn("accept: {}; retrying in {} ms", ec.message(), delay.count());
      wait.expires_after(delay);
      co_await wait.async_wait(use_tuple);
      continue;
    }
    delays.succeeded();
    socket.set_option(tcp::no_delay(true), ec);
    if (counts->open >= opts.max_connections) {
      if (counts->refusing >= max_refusing) continue;  // closed unanswered: flooded beyond care
      asio::co_spawn(acceptor.get_executor(),
                     refuse_busy(std::move(socket), counts, opts.write_timeout), log_session_end);
      continue;
    }
    asio::co_spawn(acceptor.get_executor(), session(std::move(socket), opts, r, counts),
                   log_session_end);
  }
}

}  // namespace

asio::awaitable<void> refuse_upgrade(tcp::socket socket, reply r, unsigned version,
                                     std::chrono::milliseconds write_timeout) {
  beast::tcp_stream stream(std::move(socket));
  co_await refuse(stream, std::move(r), version, write_timeout);
}

server::server(asio::io_context& io, server_options opts, std::shared_ptr<const router> r)
    : io_(io),
      opts_(std::move(opts)),
      router_(std::move(r)),
      acceptor_(io),
      counts_(std::make_shared<connection_counts>()) {
  tcp::endpoint ep{asio::ip::make_address(opts_.bind), opts_.port};
  acceptor_.open(ep.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(ep);
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

void server::start() {
  asio::co_spawn(io_, accept_loop(acceptor_, opts_, router_, counts_), asio::detached);
}

void server::stop() {
  beast::error_code ignored;  // closing an already closed acceptor is fine
  acceptor_.close(ignored);
}

unsigned short server::port() const {
  return acceptor_.local_endpoint().port();
}

}  // namespace tracehub::http
