// producer/http_client.h — POSTs JSON to the backend (Beast over Asio, C++20 coroutines) on
// kept-alive connections, each request with one deadline covering write and read.
//
// Owns its idle connections (at most max_idle; a connection is in use by one request at a
// time, so concurrent post_json() calls get connections of their own). Call only from the
// executor's thread. Never throws: a failed exchange is an answer with status 0 and the error.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "backend/base/result.h"

namespace tracehub::producer {

struct backend_url {
  std::string host;
  std::string port = "80";
  std::string prefix;  // path before the API routes, without a trailing '/' ("" mostly)
};

// Parses http://host[:port][/prefix]. errc::bad_url on anything else (https is not spoken).
result<backend_url> parse_backend_url(std::string_view url);

struct http_answer {
  unsigned status = 0;  // 0: no answer; `error` says why
  std::string body;
  error_code error;  // set when status == 0
  bool timed_out = false;
  bool keep_alive = false;  // the server keeps the connection open after this answer
};

struct http_connection;  // a socket and its read buffer (http_client.cpp)

class http_client {
 public:
  http_client(boost::asio::any_io_executor ex, backend_url url, std::chrono::milliseconds timeout,
              std::size_t max_idle);
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  // POST {prefix}{path} with Content-Type application/json. A request on a reused connection
  // that fails before any answer is tried once more on a fresh one (the server may have closed
  // the idle connection); the batch may then reach the server twice, which ingest absorbs.
  boost::asio::awaitable<http_answer> post_json(std::string_view path, std::string body);

  // Closes the idle connections (requests in progress keep theirs until they end).
  void close_idle();

  // Sends `name: value` with every later request (the producer's token and service).
  void set_header(std::string name, std::string value);

 private:
  boost::asio::awaitable<result<std::unique_ptr<http_connection>>> connect();

  boost::asio::any_io_executor ex_;
  backend_url url_;
  std::string host_header_;
  std::chrono::milliseconds timeout_;
  std::size_t max_idle_;
  std::vector<std::unique_ptr<http_connection>> idle_;
  std::vector<std::pair<std::string, std::string>> headers_;
};

}  // namespace tracehub::producer
