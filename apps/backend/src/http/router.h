// http/router.h — method + path to handler. Paths match exactly (the query string is ignored
// for matching); an unknown path is 404, a known path with another method 405, both as JSON
// errors. A handler that throws becomes a 500 and one log line (the session's catch-all).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "http/reply.h"

namespace tracehub::http {

class router {
 public:
  using handler = std::function<boost::asio::awaitable<reply>(request&)>;

  template <route_handler H>
  void add(boost::beast::http::verb method, std::string path, H h) {
    routes_[{method, std::move(path)}] = std::move(h);
  }

  boost::asio::awaitable<reply> route(request& req) const;

 private:
  std::map<std::pair<boost::beast::http::verb, std::string>, handler, std::less<>> routes_;
};

// The path part of a request target ("/logs?x=1" -> "/logs").
std::string_view path_of(std::string_view target);

}  // namespace tracehub::http
