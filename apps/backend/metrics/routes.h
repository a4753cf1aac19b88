// metrics/routes.h — GET /metrics (SystemMetrics JSON), GET /metrics/prometheus (text
// exposition format) and GET /services (per-service state, with each one's first gaps).
// Each renders from the collector on the io thread; none does I/O.
#pragma once

#include <memory>

#include <boost/asio/awaitable.hpp>

#include "backend/http/reply.h"
#include "backend/metrics/metrics.h"

namespace tracehub::metrics {

class metrics_handler {
 public:
  explicit metrics_handler(std::shared_ptr<const collector> c) : c_(std::move(c)) {}
  boost::asio::awaitable<http::reply> operator()(http::request& req);

 private:
  std::shared_ptr<const collector> c_;
};

class prometheus_handler {
 public:
  explicit prometheus_handler(std::shared_ptr<const collector> c) : c_(std::move(c)) {}
  boost::asio::awaitable<http::reply> operator()(http::request& req);

 private:
  std::shared_ptr<const collector> c_;
};

class services_handler {
 public:
  explicit services_handler(std::shared_ptr<const collector> c) : c_(std::move(c)) {}
  boost::asio::awaitable<http::reply> operator()(http::request& req);

 private:
  std::shared_ptr<const collector> c_;
};

}  // namespace tracehub::metrics
