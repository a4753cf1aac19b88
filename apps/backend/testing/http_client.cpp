#include "backend/testing/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace tracehub::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

struct http_client::impl {
  asio::io_context io;
  std::string host;
  unsigned short port;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  std::vector<std::pair<std::string, std::string>> headers;

  http_result send(bhttp::request<bhttp::string_body>& req) {
    for (const auto& [name, value] : headers)
      req.set(name, value);
    // One retry: a kept-alive connection may have been closed by the server meanwhile.
    for (int attempt = 0; attempt < 2; ++attempt) {
      beast::error_code ec;
      if (!stream) {
        stream.emplace(io);
        stream->expires_after(std::chrono::seconds(30));
        stream->connect({asio::ip::make_address(host), port}, ec);
        if (ec) {
          stream.reset();
          return {};
        }
      }
      stream->expires_after(std::chrono::seconds(60));
      bhttp::write(*stream, req, ec);
      bhttp::response_parser<bhttp::string_body> parser;
      parser.body_limit(64 * 1024 * 1024);
      if (!ec) bhttp::read(*stream, buffer, parser, ec);
      if (ec) {
        stream.reset();
        buffer.clear();
        continue;
      }
      auto res = parser.release();
      if (!res.keep_alive()) stream.reset();
      return {res.result_int(), std::move(res.body()), std::string(res[bhttp::field::retry_after])};
    }
    return {};
  }
};

http_client::http_client(unsigned short port, std::string host) : impl_(std::make_unique<impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
}

http_client::~http_client() = default;

http_result http_client::post(std::string_view target, std::string body,
                              std::string_view content_type) {
  bhttp::request<bhttp::string_body> req{bhttp::verb::post, target, 11};
  req.set(bhttp::field::host, impl_->host);
  if (!content_type.empty()) req.set(bhttp::field::content_type, content_type);
  req.body() = std::move(body);
  req.prepare_payload();
  return impl_->send(req);
}

void http_client::set_header(std::string name, std::string value) {
  impl_->headers.emplace_back(std::move(name), std::move(value));
}

http_result http_client::get(std::string_view target) {
  bhttp::request<bhttp::string_body> req{bhttp::verb::get, target, 11};
  req.set(bhttp::field::host, impl_->host);
  return impl_->send(req);
}

}  // namespace tracehub::testing
