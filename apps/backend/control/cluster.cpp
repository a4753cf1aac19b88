#include "backend/control/cluster.h"

#include <thread>

#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include "backend/base/clock.h"
#include "backend/base/json_parse.h"
#include "backend/base/log.h"
#include "backend/redis/reply.h"
#include "backend/redis/sync_connection.h"

namespace tracehub::control {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr module_logger<"control"> log;

std::string reply_key(std::string_view id) {
  return "control:reply:" + std::string(id);
}

std::vector<std::string> worker_ids(worker::supervisor* s) {
  std::vector<std::string> out;
  if (!s) return out;
  for (const auto& w : s->states())
    out.push_back(w.id);
  return out;
}

std::string text_of(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::int64_t int_of(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_int64() ? v->as_int64() : 0;
}

}  // namespace

cluster::cluster(asio::io_context& io, redis::endpoint ep, cluster_parts parts,
                 std::chrono::milliseconds hold_limit)
    : io_(io),
      ep_(std::move(ep)),
      parts_(std::move(parts)),
      hold_limit_(hold_limit),
      hold_timer_(io) {}

cluster::~cluster() {
  stop();
}

void cluster::stop() {
  own_.join();
}

answer cluster::self() const {
  answer a;
  a.origin = parts_.origin;
  a.host = parts_.host;
  a.pid = parts_.pid;
  a.workers = worker_ids(parts_.workers);
  return a;
}

void cluster::reply(const std::string& id, const answer& a) {
  json::array workers;
  for (const auto& w : a.workers)
    workers.emplace_back(w);
  auto text = json::serialize(json::object{{"origin", a.origin},
                                           {"host", a.host},
                                           {"pid", a.pid},
                                           {"workers", std::move(workers)},
                                           {"held", a.held}});
  auto c = redis::sync_connection::open(ep_, std::chrono::seconds(3));
  if (!c) {
    log().warn("control {}: cannot answer: {}", id, c.error().message());
    return;
  }
  auto key = reply_key(id);
  auto r = c->pipeline({{"RPUSH", key, text}, {"PEXPIRE", key, "60000"}});
  if (!r) log().warn("control {}: cannot answer: {}", id, r.error().message());
}

void cluster::receive(std::string_view message) {
  boost::system::error_code ec;
  auto v = parse_json(message, ec);
  if (ec || !v.is_object()) {
    log().warn("control channel: a message that is not a JSON object");
    return;
  }
  const auto& o = v.as_object();
  auto id = text_of(o, "id");
  auto action = text_of(o, "action");
  if (id.empty()) return;
  if (action == "census") {
    asio::post(own_, [this, id] { reply(id, self()); });
  } else if (action == "crash_worker") {
    auto down = std::chrono::milliseconds(std::max<std::int64_t>(1, int_of(o, "durationMs")));
    asio::post(io_, [this, id, down] {
      auto a = self();
      if (parts_.workers) parts_.workers->crash(down, "crash_worker");
      asio::post(own_, [this, id, a] { reply(id, a); });
    });
  } else if (action == "pause") {
    asio::post(own_, [this, id] {
      auto a = self();
      if (parts_.workers) a.held = parts_.workers->pause(std::chrono::seconds(15)) && a.held;
      if (parts_.replayer) a.held = parts_.replayer->pause(std::chrono::seconds(15)) && a.held;
      if (!a.held) log().warn("control {}: a worker did not pause within 15 s", id);
      // Should the sender never resume (it died), the pause ends by itself.
      asio::post(io_, [this, id] {
        paused_by_ = id;
        hold_timer_.expires_after(hold_limit_);
        hold_timer_.async_wait([this, id](const boost::system::error_code& e) {
          if (e || paused_by_ != id) return;
          log().warn("control {}: no resume within {} ms; resuming", id, hold_limit_.count());
          paused_by_.clear();
          asio::post(own_, [this] {
            if (parts_.workers) parts_.workers->resume();
            if (parts_.replayer) parts_.replayer->resume();
          });
        });
      });
      reply(id, a);
    });
  } else if (action == "resume") {
    bool cleared = false;
    if (auto* c = o.if_contains("cleared"); c && c->is_bool()) cleared = c->as_bool();
    asio::post(io_, [this] {
      paused_by_.clear();
      hold_timer_.cancel();
    });
    asio::post(own_, [this, id, cleared] {
      if (cleared && parts_.clear_counters) parts_.clear_counters();
      if (parts_.workers) parts_.workers->resume();
      if (parts_.replayer) parts_.replayer->resume();
      reply(id, self());
    });
  } else {
    log().warn("control channel: unknown action {}", action);
  }
}

result<std::vector<answer>> cluster::ask(std::string_view action, json::object args,
                                         std::chrono::milliseconds wait) {
  for (auto until = steady::now() + std::chrono::seconds(5); !subscribed_ && steady::now() < until;)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  auto deadline = steady::now() + wait;
  auto id = parts_.origin + "-" + std::to_string(next_id_.fetch_add(1));
  args["id"] = id;
  args["action"] = action;
  auto c = redis::sync_connection::open(ep_, wait + std::chrono::seconds(3));
  if (!c) return c.error();
  auto published =
      c->command({"PUBLISH", control_channel(ep_.db), std::string_view(json::serialize(args))});
  if (auto s = redis::expect_ok(published, "PUBLISH control"); !s) return s.error();
  auto expected = published->view().integer();
  std::vector<answer> out;
  auto key = reply_key(id);
  while (static_cast<std::int64_t>(out.size()) < expected) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
    if (left.count() <= 0) break;
    auto secs = std::to_string(std::max<double>(0.01, left.count() / 1000.0));
    auto r = c->command({"BLPOP", key, secs});
    if (!r) return r.error();
    auto v = r->view();
    if (v.is_nil() || !v.is_array() || v.size() != 2) continue;
    boost::system::error_code ec;
    auto parsed = parse_json(v[1].str(), ec);
    if (ec || !parsed.is_object()) continue;
    const auto& o = parsed.as_object();
    answer a;
    a.origin = text_of(o, "origin");
    a.host = text_of(o, "host");
    a.pid = int_of(o, "pid");
    if (auto* h = o.if_contains("held"); h && h->is_bool()) a.held = h->as_bool();
    if (auto* w = o.if_contains("workers"); w && w->is_array())
      for (const auto& x : w->as_array())
        if (x.is_string()) a.workers.emplace_back(x.as_string());
    out.push_back(std::move(a));
  }
  if (static_cast<std::int64_t>(out.size()) < expected)
    log().warn("control {} {}: {} of {} processes answered within {} ms", action, id, out.size(),
               expected, wait.count());
  return out;
}

}  // namespace tracehub::control
