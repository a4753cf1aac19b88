// testing/http_client.h — a small blocking HTTP/1.1 client (Beast) with one keep-alive
// connection, reopened when the server closes it. For tests and benchmarks.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace tracehub::testing {

struct http_result {
  unsigned status = 0;  // 0: no answer (connection failed or closed without a response)
  std::string body;
  std::string retry_after;  // the Retry-After header, "" when absent
};

class http_client {
 public:
  explicit http_client(unsigned short port, std::string host = "127.0.0.1");
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  http_result post(std::string_view target, std::string body,
                   std::string_view content_type = "application/json");
  http_result get(std::string_view target);

  // Sends `name: value` with every later request (e.g. Authorization).
  void set_header(std::string name, std::string value);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace tracehub::testing
