// app/dashboard.h — the dashboard (apps/dashboard/dist, built by scripts/build.sh) on a router:
// browser page loads (Accept: text/html) and every GET or HEAD path without an API route are a
// static file or, for client-side routes, index.html (http/static_site.h). So a reload on
// /logs or /services shows the page while the dashboard's fetch("/logs") still gets JSON.
// Install it on the dashboard port's router only: the API port keeps its 404s and JSON.
#pragma once

#include <string>

#include "backend/http/router.h"

namespace tracehub::app {

// Sets the page handler and the GET and HEAD fallbacks of `r` to the static site in `dist_dir`.
// While dist_dir/index.html is missing (checked per request: `./start.sh up` builds the bundle
// after the backend has started) every such path answers 503 {"error":"dashboard_not_built",...}
// instead; the API routes work either way.
void add_dashboard_routes(http::router& r, const std::string& dist_dir);

}  // namespace tracehub::app
