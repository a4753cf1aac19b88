#include "backend/faults/network.h"

#include <boost/json.hpp>

#include "backend/base/backoff.h"
#include "backend/base/clock.h"
#include "backend/base/json_parse.h"
#include "backend/base/log.h"
#include "backend/redis/reply.h"
#include "backend/redis/sync_connection.h"

namespace tracehub::faults {

namespace {

constexpr module_logger<"faults"> log;
namespace json = boost::json;

const std::vector<std::string>& actions() {
  static const std::vector<std::string> all{std::string(drop_network), std::string(delay_ack),
                                            std::string(crash_worker)};
  return all;
}

}  // namespace

std::string key_of(std::string_view action) {
  return "fault:" + std::string(action);
}

std::string encode(const window& w) {
  boost::system::error_code ec;
  auto params = parse_json(w.params, ec);
  json::object o{{"action", w.action}, {"since", w.since},      {"until", w.until},
                 {"share", w.share},   {"delayMs", w.delay_ms}, {"params", nullptr}};
  if (!ec) o["params"] = std::move(params);
  return json::serialize(o);
}

std::optional<window> decode(std::string_view text) {
  boost::system::error_code ec;
  auto v = parse_json(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.as_object();
  window w;
  auto* a = o.if_contains("action");
  auto* since = o.if_contains("since");
  auto* until = o.if_contains("until");
  auto* share = o.if_contains("share");
  auto* delay = o.if_contains("delayMs");
  auto* params = o.if_contains("params");
  if (!a || !a->is_string() || !since || !since->is_int64() || !until || !until->is_int64() ||
      !share || !share->is_number() || !delay || !delay->is_int64() || !params ||
      !params->is_object())
    return std::nullopt;
  w.action = a->as_string();
  w.since = since->as_int64();
  w.until = until->as_int64();
  w.share = share->to_number<double>();
  w.delay_ms = delay->as_int64();
  w.params = json::serialize(*params);
  return w;
}

network::network(std::optional<redis::endpoint> ep, std::chrono::milliseconds refresh)
    : ep_(std::move(ep)), refresh_(refresh) {}

network::~network() {
  stop();
}

void network::start() {
  if (!ep_) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { refresh_loop(); });
}

void network::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void network::apply(std::vector<window> windows) {
  double share = 0;
  std::int64_t drop_until = 0, delay = 0, delay_until = 0;
  for (const auto& w : windows) {
    if (w.action == drop_network) {
      share = w.share;
      drop_until = w.until;
    } else if (w.action == delay_ack) {
      delay = w.delay_ms;
      delay_until = w.until;
    }
  }
  drop_share_.store(share, std::memory_order_relaxed);
  drop_until_ms_.store(drop_until, std::memory_order_relaxed);
  delay_ms_.store(delay, std::memory_order_relaxed);
  delay_until_ms_.store(delay_until, std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  windows_ = std::move(windows);
}

status network::set(const window& w) {
  auto windows = active();
  std::erase_if(windows, [&](const window& o) { return o.action == w.action; });
  windows.push_back(w);
  if (ep_) {
    auto c = redis::sync_connection::open(*ep_, std::chrono::seconds(3));
    if (!c) return c.error();
    auto until = std::to_string(w.until);
    auto s = redis::expect_ok(c->command({"SET", key_of(w.action), encode(w), "PXAT", until}),
                              "SET fault");
    if (!s) return s;
  }
  apply(std::move(windows));
  return {};
}

status network::clear_all() {
  if (ep_) {
    auto c = redis::sync_connection::open(*ep_, std::chrono::seconds(3));
    if (!c) return c.error();
    auto s = redis::expect_ok(
        c->command({"DEL", key_of(drop_network), key_of(delay_ack), key_of(crash_worker)}),
        "DEL faults");
    if (!s) return s;
  }
  apply({});
  return {};
}

bool network::should_drop() {
  double share = drop_share_.load(std::memory_order_relaxed);
  if (share > 0 && now_epoch_ms() >= drop_until_ms_.load(std::memory_order_relaxed)) share = 0;
  share = std::max(share, pinned_share_.load(std::memory_order_relaxed));
  if (share <= 0) return false;
  return std::uniform_real_distribution<double>(0, 1)(rng_) < share;
}

std::int64_t network::ack_delay_ms() const {
  if (now_epoch_ms() >= delay_until_ms_.load(std::memory_order_relaxed)) return 0;
  return delay_ms_.load(std::memory_order_relaxed);
}

std::vector<window> network::active() const {
  auto now = now_epoch_ms();
  std::lock_guard lock(mutex_);
  std::vector<window> out;
  for (const auto& w : windows_)
    if (w.until > now) out.push_back(w);
  return out;
}

void network::refresh_loop() {
  backoff retry(std::chrono::milliseconds(100), std::chrono::seconds(2));
  std::optional<redis::sync_connection> conn;
  std::vector<std::string_view> argv{"MGET"};
  std::vector<std::string> keys;
  for (const auto& a : actions())
    keys.push_back(key_of(a));
  for (const auto& k : keys)
    argv.push_back(k);
  auto wait = refresh_;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (wake_.wait_for(lock, wait, [&] { return stopping_; })) return;
    }
    wait = refresh_;
    if (!conn || !conn->ok()) {
      conn.reset();
      auto c = redis::sync_connection::open(*ep_, std::chrono::seconds(2));
      if (!c) {
        wait = retry.next();
        if (wait == std::chrono::milliseconds(100))
          log().warn("faults: redis unreachable ({}); keeping the windows last read",
                     c.error().message());
        continue;
      }
      conn.emplace(std::move(*c));
    }
    auto r = conn->command(argv);
    if (!r || !r->view().is_array()) {
      conn.reset();
      continue;
    }
    if (retry.succeeded()) log().info("faults: reading redis again");
    std::vector<window> windows;
    auto v = r->view();
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_string()) continue;
      if (auto w = decode(v[i].str())) windows.push_back(std::move(*w));
    }
    apply(std::move(windows));
    refreshes_.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace tracehub::faults
