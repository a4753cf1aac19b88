#include "backend/metrics/routes.h"

namespace tracehub::metrics {

boost::asio::awaitable<http::reply> metrics_handler::operator()(http::request&) {
  co_return http::reply{200, c_->system_metrics_json()};
}

boost::asio::awaitable<http::reply> prometheus_handler::operator()(http::request&) {
  http::reply r{200, c_->prometheus_text()};
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  co_return r;
}

boost::asio::awaitable<http::reply> services_handler::operator()(http::request&) {
  co_return http::reply{200, c_->services_json()};
}

}  // namespace tracehub::metrics
