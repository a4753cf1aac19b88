// http/router.h — method + path to handler. Paths match exactly (the query string is ignored
// for matching); a known path with another method is 405; an unknown path goes to the fallback
// for its method when one is set (the dashboard's static files), else 404 — errors as JSON.
// A page handler, when set, takes browser page loads first (see set_page_handler).
// A route may have a guard (reply.h: route_guard): the server runs it on the request header
// before reading the body (screen), and route() runs it again before the handler, so a route
// is guarded whether or not a network is involved.
// A handler that throws becomes a 500 and one log line (the session's catch-all).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "backend/http/reply.h"

namespace tracehub::http {

class router {
 public:
  using handler = std::function<boost::asio::awaitable<reply>(request&)>;

  // Adds or replaces the route for `method` and `path`. `guard`, when set, must pass first:
  // every POST route has one (guard.h json_only, admin.h admin_only, producer_tokens.h).
  template <route_handler H>
  void add(boost::beast::http::verb method, std::string path, H h, route_guard guard = {}) {
    routes_[{method, std::move(path)}] = entry{std::move(h), std::move(guard)};
  }

  // Handles `method` requests whose path has no route at all (e.g. GET and HEAD of a static
  // site). Replaces an earlier fallback for the same method.
  template <route_handler H>
  void set_fallback(boost::beast::http::verb method, H h) {
    fallbacks_[method] = std::move(h);
  }

  // Page loads — GET or HEAD whose Accept header lists text/html, as a browser sends when it
  // navigates — go to `h` before any route is looked up, so a single-page app's client routes
  // may share paths with API routes (/logs, /services): fetch() sends Accept */* or JSON.
  template <route_handler H>
  void set_page_handler(H h) {
    page_ = std::move(h);
  }

  boost::asio::awaitable<reply> route(request& req) const;

  // The guard's refusal of the route `h` goes to, or nullopt (no guard, guard passes, no
  // route). For the server, before it reads the body.
  std::optional<reply> screen(const request_header& h) const;

 private:
  struct entry {
    handler run;
    route_guard guard;  // empty: none
  };
  const entry* find(const request_header& h) const;

  std::map<std::pair<boost::beast::http::verb, std::string>, entry, std::less<>> routes_;
  std::map<boost::beast::http::verb, handler> fallbacks_;
  handler page_;  // empty: no page handler
};

// The path part of a request target ("/logs?x=1" -> "/logs").
std::string_view path_of(std::string_view target);

// A GET or HEAD whose Accept header lists text/html: a browser loading a page.
bool is_page_load(const request_header& req);

}  // namespace tracehub::http
