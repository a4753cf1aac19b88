// replay/routes.h — POST /replay (manual replay), GET /replays, GET /lost.
//
// The handlers run on the io thread and send their Postgres work to the blocking pool.
// POST /replay is an admin route (installed with http::admin_only, http/admin.h): it queues a
// `manual` request for the replay worker and answers 202 with its id; repeating it is safe
// (dedupe at the ACK step).
#pragma once

#include <string>

#include <boost/asio/thread_pool.hpp>

#include "http/reply.h"

namespace tracehub::replay {

struct routes_options {
  std::string database_url;
  std::int64_t max_range = 100'000;  // largest manual replay range
};

class manual_replay_handler {
 public:
  manual_replay_handler(routes_options opts, boost::asio::thread_pool& pool)
      : opts_(std::move(opts)), pool_(pool) {}
  boost::asio::awaitable<http::reply> operator()(http::request& req);

 private:
  routes_options opts_;
  boost::asio::thread_pool& pool_;
};

// GET /replays?status=&service=&limit= (newest first, limit <= 1000, default 100)
class list_replays_handler {
 public:
  list_replays_handler(std::string database_url, boost::asio::thread_pool& pool)
      : database_url_(std::move(database_url)), pool_(pool) {}
  boost::asio::awaitable<http::reply> operator()(http::request& req);

 private:
  std::string database_url_;
  boost::asio::thread_pool& pool_;
};

// GET /lost?service=&seq=&limit=: the seq ranges reported lost (seq: only the range holding it)
class list_lost_handler {
 public:
  list_lost_handler(std::string database_url, boost::asio::thread_pool& pool)
      : database_url_(std::move(database_url)), pool_(pool) {}
  boost::asio::awaitable<http::reply> operator()(http::request& req);

 private:
  std::string database_url_;
  boost::asio::thread_pool& pool_;
};

}  // namespace tracehub::replay
