// replay/routes.h — POST /replay (manual replay), GET /replays, GET /lost.
//
// The handlers run on the io thread and send their Postgres work to query::database.
// POST /replay is an admin route (installed with http::admin_only, http/admin.h): it queues a
// `manual` request for the replay worker and answers 202 with its id; repeating it is safe
// (dedupe at the ACK step).
#pragma once

#include <string>

#include "backend/http/reply.h"
#include "backend/query/database.h"

namespace tracehub::replay {

struct routes_options {
  query::database db;
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

// GET /lost?service=&seq=&from=&to=&cursor=&limit= -> {items, nextCursor}: the seq ranges reported
// lost, in the order they were recorded (seq: only the range holding it; from/to: ranges
// overlapping that seq span; cursor: the previous page's nextCursor, null on the last page).
// GET /lost/summary?service= -> {services: [{service, ranges, seqs, first, last, byReason}]}.
class lost_summary_handler {
 public:
  explicit lost_summary_handler(query::database db) : db_(std::move(db)) {}
  boost::asio::awaitable<http::reply> operator()(http::request& req);

 private:
  query::database db_;
};

class list_lost_handler {
 public:
  explicit list_lost_handler(query::database db) : db_(std::move(db)) {}
  boost::asio::awaitable<http::reply> operator()(http::request& req);

 private:
  query::database db_;
};

}  // namespace tracehub::replay
