// replay/routes.h — POST /replay (manual replay), GET /replays, GET /lost.
//
// The handlers run on the io thread and send their Postgres work to query::database.
// POST /replay is an admin route (http/admin.h): it queues a `manual` request for the replay
// worker and answers 202 with its id; repeating it is safe (dedupe at the ACK step).
#pragma once

#include <string>

#include "http/reply.h"
#include "query/database.h"

namespace tracehub::replay {

struct routes_options {
  query::database db;
  std::string admin_token;
  std::int64_t max_range = 100'000;  // largest manual replay range
};

class manual_replay_handler {
 public:
  explicit manual_replay_handler(routes_options opts) : opts_(std::move(opts)) {}
  boost::asio::awaitable<http::reply> operator()(http::request& req);

 private:
  routes_options opts_;
};

// GET /replays?status=&service=&limit= (newest first, limit <= 1000, default 100)
class list_replays_handler {
 public:
  explicit list_replays_handler(query::database db) : db_(std::move(db)) {}
  boost::asio::awaitable<http::reply> operator()(http::request& req);

 private:
  query::database db_;
};

// GET /lost?service=&seq=&limit=: the seq ranges reported lost (seq: only the range holding it)
class list_lost_handler {
 public:
  explicit list_lost_handler(query::database db) : db_(std::move(db)) {}
  boost::asio::awaitable<http::reply> operator()(http::request& req);

 private:
  query::database db_;
};

}  // namespace tracehub::replay
