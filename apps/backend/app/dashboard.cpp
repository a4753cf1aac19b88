#include "backend/app/dashboard.h"

#include <filesystem>
#include <system_error>

#include <boost/beast/http/verb.hpp>

#include "backend/base/log.h"
#include "backend/http/static_site.h"

namespace tracehub::app {

namespace {

constexpr module_logger<"dashboard"> log;

boost::asio::awaitable<http::reply> not_built(http::request&) {
  co_return http::json_error(503, "dashboard_not_built",
                             "dashboard not built: run ./start.sh up (or scripts/build.sh)");
}

}  // namespace

void add_dashboard_routes(http::router& r, const std::string& dist_dir) {
  using boost::beast::http::verb;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(std::filesystem::path(dist_dir) / "index.html", ec)) {
    log().warn("no dashboard at {} (index.html missing): run ./start.sh up to build it", dist_dir);
    r.set_page_handler(not_built);
    r.set_fallback(verb::get, not_built);
    r.set_fallback(verb::head, not_built);
    return;
  }
  r.set_page_handler(http::static_site(dist_dir));
  r.set_fallback(verb::get, http::static_site(dist_dir));
  r.set_fallback(verb::head, http::static_site(dist_dir));
}

}  // namespace tracehub::app
