// worker/prefetch.h — the worker's next group of new queue:logs entries, read and rendered for
// binary COPY on a second thread while the group before it is written (internal to worker/;
// docs/PROTOCOL.md, "The worker": read-ahead).
//
// The read goes through its own Redis connection under the worker's consumer name, so a group
// read ahead is pending for that worker like any entry it has read: never written, it is
// resumed with the worker's own pending entries (after a reconnect, a hold or a restart), or
// claimed by another worker after --claim-idle-ms. Not thread-safe: one worker thread owns it.
#pragma once

#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include "backend/base/result.h"
#include "backend/redis/endpoint.h"
#include "backend/worker/pg_writer.h"
#include "backend/worker/stream.h"

namespace tracehub::worker {

// Entries read together, with each entry's rows rendered for the transaction.
struct group {
  std::vector<entry> entries;
  rendered_rows rendered;  // parallel to entries
};

class prefetcher {
 public:
  prefetcher(redis::endpoint ep, std::string consumer, std::size_t count,
             std::chrono::milliseconds block)
      : ep_(std::move(ep)), consumer_(std::move(consumer)), count_(count), block_(block) {}
  ~prefetcher() { drop(); }
  prefetcher(const prefetcher&) = delete;
  prefetcher& operator=(const prefetcher&) = delete;

  // Starts reading the next group (up to `count` new entries, blocking up to `block`) on the
  // second thread, unless one is being read or is ready.
  void start();
  // The group start() began (beginning one now if none), once read: empty when `block` passed
  // with nothing new. An error when the read failed: entries it may have read stay pending.
  result<group> take();
  // A read started and not yet taken.
  bool pending() const { return next_.valid(); }
  // Waits for a read in flight and forgets its group. True when there was one: its entries
  // (if any) are pending for the consumer and must be resumed.
  bool drop();

 private:
  result<group> fetch();

  redis::endpoint ep_;
  std::string consumer_;
  std::size_t count_;
  std::chrono::milliseconds block_;
  std::optional<stream> stream_;  // used on the second thread only, one read at a time
  std::future<result<group>> next_;
};

}  // namespace tracehub::worker
