#include "backend/worker/prefetch.h"

#include "backend/queue/keys.h"
#include "backend/redis/sync_connection.h"

namespace tracehub::worker {

void prefetcher::start() {
  if (next_.valid()) return;
  next_ = std::async(std::launch::async, [this] { return fetch(); });
}

result<group> prefetcher::take() {
  start();
  return next_.get();
}

bool prefetcher::drop() {
  if (!next_.valid()) return false;
  next_.get();
  return true;
}

result<group> prefetcher::fetch() {
  if (stream_ && !stream_->ok()) stream_.reset();
  if (!stream_) {
    auto c = redis::sync_connection::open(ep_, block_ + std::chrono::seconds(5));
    if (!c) return c.error();
    stream_.emplace(std::move(*c), consumer_);
  }
  auto read = stream_->read(queue::keys::logs, count_, block_, false);
  if (!read) return read.error();
  group g{std::move(*read), {}};
  g.rendered = render(g.entries);
  return g;
}

}  // namespace tracehub::worker
