// http/reply.h — what a route handler returns, and the request it gets.
//
// Handlers know nothing of sockets: request in, reply out (see router.h). The session turns a
// reply into a Beast response (keep-alive, content length, server header).
#pragma once

#include <concepts>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace tracehub::http {

using request = boost::beast::http::request<boost::beast::http::string_body>;

// The server sets this header on every request to the peer's IP address, replacing any value
// the client sent, so handlers can tell loopback callers (see admin.h).
inline constexpr std::string_view peer_header = "X-TraceHub-Peer";

struct reply {
  reply() = default;
  reply(unsigned s, std::string b) : status(s), body(std::move(b)) {}

  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  // Close the connection without answering (a simulated network loss, see network_faults).
  bool drop_connection = false;
};

// The shape every route handler has: a request in, an awaitable reply out. Handlers are
// invoked on the io thread and must not block it.
template <class H>
concept route_handler = requires(H h, request& req) {
  { h(req) } -> std::same_as<boost::asio::awaitable<reply>>;
};

// {"error": code, "detail": detail, "index": index-or-null} with the given status.
reply json_error(unsigned status, std::string_view code, std::string_view detail,
                 std::optional<std::size_t> index = std::nullopt);

}  // namespace tracehub::http
