#include "backend/http/router.h"

#include <cctype>

namespace tracehub::http {

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

bool is_page_load(const request_header& req) {
  using boost::beast::http::verb;
  if (req.method() != verb::get && req.method() != verb::head) return false;
  std::string accept(req[boost::beast::http::field::accept]);
  for (auto& c : accept)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return accept.find("text/html") != std::string::npos;
}

const router::entry* router::find(const request_header& h) const {
  if (page_ && is_page_load(h)) return nullptr;
  auto it = routes_.find(std::pair{h.method(), std::string(path_of(h.target()))});
  return it == routes_.end() ? nullptr : &it->second;
}

std::optional<reply> router::screen(const request_header& h) const {
  auto* e = find(h);
  if (!e || !e->guard) return std::nullopt;
  return e->guard(h);
}

boost::asio::awaitable<reply> router::route(request& req) const {
  if (page_ && is_page_load(req)) co_return co_await page_(req);
  std::string_view path = path_of(req.target());
  if (auto* e = find(req)) {
    if (e->guard)
      if (auto refused = e->guard(req)) co_return std::move(*refused);
    co_return co_await e->run(req);
  }
  for (const auto& [key, h] : routes_)
    if (key.second == path)
      co_return json_error(405, "method_not_allowed",
                           "this path does not accept " + std::string(req.method_string()));
  if (auto fb = fallbacks_.find(req.method()); fb != fallbacks_.end())
    co_return co_await fb->second(req);
  co_return json_error(404, "not_found", "no route for " + std::string(path));
}

}  // namespace tracehub::http
