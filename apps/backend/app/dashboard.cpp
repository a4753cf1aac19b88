#include "backend/app/dashboard.h"

#include <filesystem>
#include <system_error>

#include <boost/beast/http/verb.hpp>

#include "backend/base/log.h"
#include "backend/http/static_site.h"

namespace tracehub::app {

namespace {

constexpr module_logger<"dashboard"> log;

bool built(const std::filesystem::path& dist_dir) {
  std::error_code ec;
  return std::filesystem::is_regular_file(dist_dir / "index.html", ec);
}

// The static site while dist_dir/index.html exists; 503 dashboard_not_built otherwise. Checked
// on every request: `./start.sh up` starts the backend before it builds the bundle.
class site_when_built {
 public:
  explicit site_when_built(std::filesystem::path dist_dir) : site_(std::move(dist_dir)) {}

  boost::asio::awaitable<http::reply> operator()(http::request& req) const {
    if (!built(site_.root()))
      co_return http::json_error(
          503, "dashboard_not_built",
          "the dashboard is not built yet: ./start.sh up builds it once the services run "
          "(or run scripts/build.sh release --dashboard); reload in a moment");
    co_return site_.serve(req);
  }

 private:
  http::static_site site_;
};

}  // namespace

void add_dashboard_routes(http::router& r, const std::string& dist_dir) {
  using boost::beast::http::verb;
  if (!built(dist_dir))
    log().warn("no dashboard at {} yet (index.html missing): pages answer 503 until it is built",
               dist_dir);
  site_when_built site{dist_dir};
  r.set_page_handler(site);
  r.set_fallback(verb::get, site);
  r.set_fallback(verb::head, site);
}

}  // namespace tracehub::app
