#include "producer-simulator/producer/http_client.h"

#include <charconv>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "producer-simulator/producer/errc.h"

namespace tracehub::producer {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t response_body_limit = 16 * 1024 * 1024;  // an ACK lists <= 10 000 seqs

bool valid_port(std::string_view p) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
  return ec == std::errc{} && end == p.data() + p.size() && v > 0 && v < 65536;
}

http_answer failure(error_code ec) {
  http_answer a;
  a.error = ec;
  a.timed_out = ec == beast::error::timeout;
  return a;
}

}  // namespace

result<backend_url> parse_backend_url(std::string_view url) {
  constexpr std::string_view scheme = "http://";
  if (!url.starts_with(scheme)) return make_error_code(errc::bad_url);
  url.remove_prefix(scheme.size());
  backend_url out;
  auto slash = url.find('/');
  std::string_view hostport = url.substr(0, slash);
  if (slash != std::string_view::npos) out.prefix = std::string(url.substr(slash));
  while (!out.prefix.empty() && out.prefix.back() == '/')
    out.prefix.pop_back();
  if (hostport.starts_with('[')) {  // [v6]:port
    auto close = hostport.find(']');
    if (close == std::string_view::npos) return make_error_code(errc::bad_url);
    out.host = std::string(hostport.substr(1, close - 1));
    hostport.remove_prefix(close + 1);
    if (!hostport.empty() && !hostport.starts_with(':')) return make_error_code(errc::bad_url);
    if (!hostport.empty()) out.port = std::string(hostport.substr(1));
  } else {
    auto colon = hostport.find(':');
    out.host = std::string(hostport.substr(0, colon));
    if (colon != std::string_view::npos) out.port = std::string(hostport.substr(colon + 1));
  }
  if (out.host.empty() || !valid_port(out.port)) return make_error_code(errc::bad_url);
  return out;
}

struct http_connection {
  explicit http_connection(const asio::any_io_executor& ex) : stream(ex) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;  // bytes read past a response stay here for the next one
};

namespace {

using json_request = bhttp::request<bhttp::string_body>;

// One request and its response on `c`, within `timeout`; status 0 and the error on failure.
asio::awaitable<http_answer> exchange(http_connection& c, const json_request& req,
                                      std::chrono::milliseconds timeout) {
  c.stream.expires_after(timeout);
  auto [wec, written] = co_await bhttp::async_write(c.stream, req, use_tuple);
  if (wec) co_return failure(wec);
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(response_body_limit);
  auto [rec, read] = co_await bhttp::async_read(c.stream, c.buffer, parser, use_tuple);
  if (rec) co_return failure(rec);
  auto res = parser.release();
  http_answer a;
  a.status = res.result_int();
  a.body = std::move(res.body());
  a.keep_alive = res.keep_alive();
  co_return a;
}

}  // namespace

http_client::http_client(asio::any_io_executor ex, backend_url url,
                         std::chrono::milliseconds timeout, std::size_t max_idle)
    : ex_(std::move(ex)),
      url_(std::move(url)),
      host_header_(url_.host + ":" + url_.port),
      timeout_(timeout),
      max_idle_(max_idle) {}

http_client::~http_client() = default;

void http_client::close_idle() {
  idle_.clear();
}

void http_client::set_header(std::string name, std::string value) {
  headers_.emplace_back(std::move(name), std::move(value));
}

asio::awaitable<result<std::unique_ptr<http_connection>>> http_client::connect() {
  asio::ip::tcp::resolver resolver(ex_);
  auto [rec, endpoints] = co_await resolver.async_resolve(url_.host, url_.port, use_tuple);
  if (rec) co_return rec;
  auto c = std::make_unique<http_connection>(ex_);
  c->stream.expires_after(timeout_);
  auto [cec, ep] = co_await c->stream.async_connect(endpoints, use_tuple);
  if (cec) co_return cec;
  boost::system::error_code ignored;  // Nagle left on is slower, not wrong
  c->stream.socket().set_option(asio::ip::tcp::no_delay(true), ignored);
  co_return c;
}

asio::awaitable<http_answer> http_client::post_json(std::string_view path, std::string body) {
  json_request req{bhttp::verb::post, url_.prefix + std::string(path), 11};
  req.set(bhttp::field::host, host_header_);
  req.set(bhttp::field::content_type, "application/json");
  for (const auto& [name, value] : headers_)
    req.set(name, value);
  req.keep_alive(true);
  req.body() = std::move(body);
  req.prepare_payload();

  bool reused = !idle_.empty();
  std::unique_ptr<http_connection> c;
  if (reused) {
    c = std::move(idle_.back());
    idle_.pop_back();
  } else {
    auto fresh = co_await connect();
    if (!fresh) co_return failure(fresh.error());
    c = std::move(*fresh);
  }
  auto a = co_await exchange(*c, req, timeout_);
  if (a.status == 0 && reused && !a.timed_out) {
    // The server may have closed the idle connection meanwhile: once more on a fresh one.
    auto fresh = co_await connect();
    if (!fresh) co_return failure(fresh.error());
    c = std::move(*fresh);
    a = co_await exchange(*c, req, timeout_);
  }
  if (a.status != 0 && a.keep_alive && idle_.size() < max_idle_) {
    c->stream.expires_never();
    idle_.push_back(std::move(c));
  }
  co_return a;
}

}  // namespace tracehub::producer
