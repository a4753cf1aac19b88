// pg/pool.h — a fixed set of blocking connections shared by the API's query routes.
//
// Every query route (GET /logs, /replays, /lost, /dead-letters, manual replay, dead-letter
// retry) borrows a connection here instead of opening one per request, so a burst of requests
// costs Postgres at most `size` backends, and every statement carries a statement_timeout so
// no query runs for ever. Thread-safe: call acquire() from the blocking executor that runs the
// routes' Postgres work (it may block up to acquire_timeout). A lease returns its connection on
// destruction; a connection that broke (ok() false) is dropped and reopened on a later acquire.
//
// Admission by time: with `time_share` set, the leases together may hold connections for at
// most that share of wall-clock time (0.25: a quarter of one connection's second, per second),
// with a burst of one second's share. An acquire past it waits until the share has refilled, or
// fails with errc::timeout at acquire_timeout. This is what keeps readers from taking the CPU
// that ingest and the workers need on a small machine (the statement timeout bounds one query;
// the share bounds them all). Its sessions run without parallel workers, so a second of lease
// is at most a second of one core.
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
  double time_share = 0;  // 0: no limit; else the share of wall-clock time leases may hold
};

class pool {
 public:
  explicit pool(pool_options opts);
  pool(const pool&) = delete;
  pool& operator=(const pool&) = delete;

  class lease {
   public:
    lease(pool& p, connection c)
        : pool_(&p), conn_(std::move(c)), since_(std::chrono::steady_clock::now()) {}
    lease(lease&& o) noexcept
        : pool_(std::exchange(o.pool_, nullptr)), conn_(std::move(o.conn_)), since_(o.since_) {}
    lease& operator=(lease&&) = delete;
    ~lease();
    connection& operator*() { return *conn_; }
    connection* operator->() { return &*conn_; }

   private:
    pool* pool_;
    std::optional<connection> conn_;
    std::chrono::steady_clock::time_point since_;  // charged to the time share on return
  };

  // A connection of the pool: an idle one, a new one while fewer than `size` exist, or the
  // first one returned within acquire_timeout, once the time share allows. errc::timeout when
  // none came in time; errc::io (or timeout) when a new connection could not be opened.
  // share::exempt (an operator's action): past the time share (still charged to it), and with
  // one connection beyond `size` kept for such leases, so readers never hold it up.
  enum class share { counted, exempt };
  result<lease> acquire(share s = share::counted);

  const pool_options& options() const { return opts_; }

 private:
  using clock = std::chrono::steady_clock;
  void give_back(std::optional<connection> c, clock::duration held);
  // The time share left now (may be negative: a lease overdrew it). Under mutex_.
  clock::duration refill(clock::time_point now);

  pool_options opts_;
  std::mutex mutex_;                                      // guards idle_, open_ and the time share
  clock::duration share_left_ = std::chrono::seconds(1);  // scaled by time_share in the ctor
  clock::time_point refilled_at_ = clock::now();
  std::condition_variable returned_;
  std::vector<connection> idle_;
  std::size_t open_ = 0;  // connections in existence: idle + leased
};

}  // namespace tracehub::pg
