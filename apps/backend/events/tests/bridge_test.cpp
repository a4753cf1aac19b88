// events/bridge.h against a real Redis: two processes' bridges (two origins) on one channel.
// An event published on one is delivered once to the other and never back to itself.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "backend/events/bridge.h"
#include "backend/events/wire.h"
#include "backend/redis/subscriber.h"
#include "backend/testing/redis_db.h"

namespace tracehub::events {
namespace {

using namespace std::chrono_literals;

struct process {
  process(const redis::endpoint& ep, std::string origin)
      : b({ep, std::move(origin)},
          [this](const event_ptr& e) {
            std::lock_guard lock(m);
            got.push_back(e);
          }),
        sub(
            ep, {wire::channel(ep.db)},
            [this](std::string_view, std::string_view payload) { b.receive(payload); }, {},
            "bridge-test-" + b.origin() + "-" + std::to_string(::getpid())) {
    b.start();
    sub.start();
  }
  std::vector<event_ptr> delivered() {
    std::lock_guard lock(m);
    return got;
  }
  std::mutex m;
  std::vector<event_ptr> got;
  bridge b;
  redis::subscriber sub;
};

template <class F>
bool eventually(F f, std::chrono::milliseconds limit = 5s) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (f()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return f();
}

TEST(events_bridge, each_event_reaches_each_other_process_once) {
  testing::redis_db db;
  auto ep = redis::parse_url(db.url());
  ASSERT_TRUE(ep);
  process a(*ep, "a"), b(*ep, "b");
  ASSERT_TRUE(eventually([&] { return a.sub.subscribed() && b.sub.subscribed(); }));
  constexpr int n = 1000;
  for (int i = 1; i <= n; ++i) {
    queue::log_entry e;
    e.service = "svc";
    e.seq = i;
    e.level = "info";
    e.message = "m" + std::to_string(i);
    e.ts = "2026-11-24T10:00:00.000000Z";
    a.b.publish(log_new(std::move(e)));
  }
  b.b.publish(make("ack:sent", R"({"service":"svc"})", "svc"));
  ASSERT_TRUE(eventually([&] { return b.delivered().size() >= n; }));
  ASSERT_TRUE(eventually([&] { return a.delivered().size() >= 1; }));
  // Nothing more arrives: no duplicates, and no event of a process delivered back to it.
  ASSERT_TRUE(eventually([&] { return a.b.counters().own >= n && b.b.counters().own >= 1; }));
  auto got = b.delivered();
  ASSERT_EQ(got.size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(got[i]->seq, i + 1);
    EXPECT_EQ(got[i]->log->message, "m" + std::to_string(i + 1));
  }
  ASSERT_EQ(a.delivered().size(), 1u);
  EXPECT_EQ(a.delivered()[0]->name, "ack:sent");
  EXPECT_EQ(a.b.counters().published, n);
  EXPECT_EQ(a.b.counters().dropped, 0);
}

TEST(events_bridge, queue_beyond_max_pending_drops_the_oldest) {
  // An unreachable Redis: nothing is sent, the queue keeps the newest max_pending.
  redis::endpoint nowhere;
  nowhere.port = 1;  // nothing listens there
  std::vector<event_ptr> none;
  bridge b({nowhere, "x", 10, 4}, [&](const event_ptr& e) { none.push_back(e); });
  for (int i = 0; i < 25; ++i)
    b.publish(make("x", "{}"));
  EXPECT_GE(b.counters().dropped, 15);  // queued before the sender ever ran: 15 over the bound
  b.start();
  ASSERT_TRUE(eventually([&] { return b.counters().dropped == 25; }));
  b.stop();
  EXPECT_EQ(b.counters().published, 0);
}

TEST(events_bridge, subscriber_comes_back_after_redis_drops_it) {
  testing::redis_db db;
  auto ep = redis::parse_url(db.url());
  ASSERT_TRUE(ep);
  process a(*ep, "a"), b(*ep, "b");
  ASSERT_TRUE(eventually([&] { return a.sub.subscribed() && b.sub.subscribed(); }));
  // Drops b's subscriber connection (found by its name), as a Redis restart would.
  auto c = db.connect();
  auto list = c.command({"CLIENT", "LIST"});
  ASSERT_TRUE(list);
  std::string text(list->view().str());
  auto at = text.find("name=bridge-test-b-" + std::to_string(::getpid()) + " ");
  ASSERT_NE(at, std::string::npos) << text;
  auto line = text.rfind('\n', at);
  line = line == std::string::npos ? 0 : line + 1;
  auto id = text.substr(line + 3, text.find(' ', line) - line - 3);  // "id=N ..."
  auto killed = c.command({"CLIENT", "KILL", "ID", id});
  ASSERT_TRUE(killed);
  ASSERT_EQ(killed->view().integer(), 1) << id;
  ASSERT_TRUE(eventually([&] { return b.sub.reconnects() >= 1 && b.sub.subscribed(); }));
  a.b.publish(make("worker:recovered", R"({"workerId":"w"})"));
  ASSERT_TRUE(eventually([&] { return b.delivered().size() == 1; }));
}

}  // namespace
}  // namespace tracehub::events
