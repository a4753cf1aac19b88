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

struct reply {
  reply() = default;
  reply(unsigned s, std::string b) : status(s), body(std::move(b)) {}

  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
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
