// http/reply.h — what a route handler returns, and the request it gets.
//
// Handlers know nothing of sockets: request in, reply out (see router.h). The session turns a
// reply into a Beast response (keep-alive, content length, server header).
#pragma once

#include <concepts>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <boost/json/object.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace tracehub::http {

using request = boost::beast::http::request<boost::beast::http::string_body>;
// A request before its body is read (what a route_guard sees); `request` is one too.
using request_header = boost::beast::http::request_header<>;

// The server sets these headers on every request to the peer's IP address and to the local
// address the connection arrived at, replacing any value the client sent, so handlers and
// guards can tell loopback callers and the names this server answers to (see admin.h).
inline constexpr std::string_view peer_header = "X-TraceHub-Peer";
inline constexpr std::string_view local_header = "X-TraceHub-Local";

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

// A check a route makes on the request header before its body is read (see router::add and
// guard.h): nullopt lets the request on; a reply is sent instead of running the route, the
// body is never read and the connection is closed after it. Called on the io thread.
using route_guard = std::function<std::optional<reply>(const request_header&)>;

// {"error": code, "detail": detail, "index": index-or-null} with the given status.
reply json_error(unsigned status, std::string_view code, std::string_view detail,
                 std::optional<std::size_t> index = std::nullopt);

// A request body that must be a JSON object: the object, or the 400 `malformed_json` reply.
std::variant<boost::json::object, reply> json_object_body(std::string_view body);

}  // namespace tracehub::http
