// audit/routes.h — POST /audit (docs/PROTOCOL.md, "Audit").
#pragma once

#include <boost/asio/thread_pool.hpp>

#include "backend/audit/auditor.h"
#include "backend/http/reply.h"

namespace tracehub::audit {

// POST /audit {waitMs?} (admin: installed with http::admin_only): runs one audit round now
// and answers 200 with its report (to_json), or 503 `audit_deferred` (Retry-After) when it
// could not finish within waitMs (default 10 000, at most 60 000): another round running, the
// queue not yet past the snapshot, a reset. The round runs on `executor` (blocking).
class audit_handler {
 public:
  audit_handler(options opts, boost::asio::thread_pool& executor)
      : opts_(std::move(opts)), executor_(&executor) {}
  boost::asio::awaitable<http::reply> operator()(http::request& req);

 private:
  options opts_;
  boost::asio::thread_pool* executor_;
};

}  // namespace tracehub::audit
