// pg/pool.h — a fixed set of blocking connections shared by the API's query routes.
//
// Every query route (GET /logs, /replays, /lost, /dead-letters, manual replay, dead-letter
// retry) borrows a connection here instead of opening one per request, so a burst of requests
// costs Postgres at most `size` backends, and every statement carries a statement_timeout so
// no query runs for ever. Thread-safe: call acquire() from the blocking executor that runs the
// routes' Postgres work (it may block up to acquire_timeout). A lease returns its connection on
// destruction; a connection that broke (ok() false) is dropped and reopened on a later acquire.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "backend/base/result.h"
#include "backend/pg/connection.h"

namespace tracehub::pg {

struct pool_options {
  std::string url;
  std::size_t size = 4;
  std::chrono::milliseconds statement_timeout{5'000};
  std::chrono::milliseconds acquire_timeout{5'000};
  std::string application_name = "tracehub-query";
};

class pool {
 public:
  explicit pool(pool_options opts) : opts_(std::move(opts)) {}
  pool(const pool&) = delete;
  pool& operator=(const pool&) = delete;

  class lease {
   public:
    lease(pool& p, connection c) : pool_(&p), conn_(std::move(c)) {}
    lease(lease&& o) noexcept : pool_(std::exchange(o.pool_, nullptr)), conn_(std::move(o.conn_)) {}
    lease& operator=(lease&&) = delete;
    ~lease();
    connection& operator*() { return *conn_; }
    connection* operator->() { return &*conn_; }

   private:
    pool* pool_;
    std::optional<connection> conn_;
  };

  // A connection of the pool: an idle one, a new one while fewer than `size` exist, or the
  // first one returned within acquire_timeout. errc::timeout when none came in time; errc::io
  // (or timeout) when a new connection could not be opened.
  result<lease> acquire();

  const pool_options& options() const { return opts_; }

 private:
  void give_back(std::optional<connection> c);

  pool_options opts_;
  std::mutex mutex_;  // guards idle_ and open_
  std::condition_variable returned_;
  std::vector<connection> idle_;
  std::size_t open_ = 0;  // connections in existence: idle + leased
};

}  // namespace tracehub::pg
