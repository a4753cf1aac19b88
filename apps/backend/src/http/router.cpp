#include "http/router.h"

namespace tracehub::http {

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

boost::asio::awaitable<reply> router::route(request& req) const {
  std::string_view path = path_of(req.target());
  auto it = routes_.find(std::pair{req.method(), std::string(path)});
  if (it != routes_.end()) co_return co_await it->second(req);
  for (const auto& [key, h] : routes_)
    if (key.second == path)
      co_return json_error(405, "method_not_allowed",
                           "this path does not accept " + std::string(req.method_string()));
  co_return json_error(404, "not_found", "no route for " + std::string(path));
}

}  // namespace tracehub::http
