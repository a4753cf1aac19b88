#include "backend/redis/subscriber.h"

#include <poll.h>

#include <hiredis/hiredis.h>

#include "backend/base/backoff.h"
#include "backend/base/clock.h"
#include "backend/redis/logger.h"
#include "backend/redis/reply.h"
#include "backend/redis/sync_connection.h"

namespace tracehub::redis {

namespace {

constexpr std::chrono::milliseconds poll_step{100};
constexpr std::chrono::seconds ping_every{3};
constexpr std::chrono::seconds silent_limit{10};

}  // namespace

subscriber::subscriber(endpoint ep, std::vector<std::string> channels, handler on_message,
                       std::function<void()> on_subscribed, std::string name)
    : ep_(std::move(ep)),
      channels_(std::move(channels)),
      on_message_(std::move(on_message)),
      on_subscribed_(std::move(on_subscribed)),
      name_(std::move(name)) {}

subscriber::~subscriber() {
  stop();
}

void subscriber::start() {
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void subscriber::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void subscriber::run() {
  backoff retry(std::chrono::milliseconds(50), std::chrono::seconds(2));
  bool first = true;
  while (!stopping_) {
    if (!first) reconnects_.fetch_add(1);
    first = false;
    auto began = steady::now();
    session();
    subscribed_ = false;
    if (stopping_) break;
    // A session that lasted a while was a success: start the back-off over.
    if (steady::now() - began > std::chrono::seconds(5)) retry.succeeded();
    auto wait = retry.next();
    auto until = steady::now() + wait;
    while (!stopping_ && steady::now() < until)
      std::this_thread::sleep_for(std::min<steady::duration>(until - steady::now(), poll_step));
  }
}

void subscriber::session() {
  auto conn = sync_connection::open(ep_, std::chrono::seconds(3));
  if (!conn) {
    log().warn("subscriber: connect: {}", conn.error().message());
    return;
  }
  if (auto named = expect_ok(conn->command({"CLIENT", "SETNAME", name_}), "CLIENT SETNAME"); !named)
    return;
  redisContext* c = conn->raw();
  std::vector<const char*> argv{"SUBSCRIBE"};
  std::vector<std::size_t> lens{9};
  for (const auto& ch : channels_) {
    argv.push_back(ch.data());
    lens.push_back(ch.size());
  }
  if (redisAppendCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data()) !=
      REDIS_OK)
    return;
  int done = 0;
  while (!done) {
    if (redisBufferWrite(c, &done) != REDIS_OK) return;
  }
  std::size_t confirmed = 0;
  auto last_heard = steady::now();
  auto next_ping = steady::now() + ping_every;
  while (!stopping_) {
    void* raw = nullptr;
    if (redisGetReplyFromReader(c, &raw) != REDIS_OK) return;
    if (raw == nullptr) {
      auto now = steady::now();
      if (now - last_heard > silent_limit) {
        log().warn("subscriber: connection silent for {} s; reconnecting", silent_limit.count());
        return;
      }
      if (now >= next_ping && confirmed == channels_.size()) {
        next_ping = now + ping_every;
        if (redisAppendCommand(c, "PING") != REDIS_OK) return;
        done = 0;
        while (!done) {
          if (redisBufferWrite(c, &done) != REDIS_OK) return;
        }
      }
      pollfd p{c->fd, POLLIN, 0};
      int n = ::poll(&p, 1, static_cast<int>(poll_step.count()));
      if (n < 0 && errno != EINTR) return;
      if (n > 0 && redisBufferRead(c) != REDIS_OK) {
        log().warn("subscriber: {}", c->errstr);
        return;
      }
      continue;
    }
    reply r(static_cast<redisReply*>(raw));
    last_heard = steady::now();
    auto v = r.view();
    // ["subscribe", channel, n] | ["message", channel, payload] | ["pong", ""]
    if (!v.is_array() || v.size() < 2) continue;
    auto kind = v[0].str();
    if (kind == "message" && v.size() == 3) {
      on_message_(v[1].str(), v[2].str());
    } else if (kind == "subscribe") {
      if (++confirmed == channels_.size()) {
        subscribed_ = true;
        log().info("subscribed to {} channel(s)", confirmed);
        if (on_subscribed_) on_subscribed_();
      }
    }
  }
}

}  // namespace tracehub::redis
