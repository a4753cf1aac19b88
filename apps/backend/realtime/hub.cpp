#include "backend/realtime/hub.h"

#include <charconv>
#include <optional>
#include <unordered_map>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "backend/http/router.h"
#include "backend/http/server.h"
#include "backend/realtime/client.h"
#include "backend/realtime/event_names.h"
#include "backend/realtime/logger.h"
#include "backend/realtime/protocol.h"

namespace tracehub::realtime {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// The value of `key` in the query string of `target` ("" when absent).
std::string_view query_param(std::string_view target, std::string_view key) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return {};
  auto rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto pair = rest.substr(0, amp);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == key) return eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return {};
}

// Why a WebSocket upgrade request cannot become a session, or nullopt when it can.
std::optional<http::reply> upgrade_refusal(std::string_view target, std::string_view path) {
  if (http::path_of(target) != path)
    return http::json_error(404, "not_found",
                            "WebSocket upgrades are served at " + std::string(path) + " only");
  auto eio = query_param(target, "EIO");
  if (eio != "4")
    return http::json_error(
        400, "unsupported_protocol_version",
        "only Engine.IO v4 (Socket.IO v3/v4 clients) is served; got EIO=" + std::string(eio));
  if (query_param(target, "transport") != "websocket")
    return http::json_error(400, "transport_unsupported",
                            "a WebSocket upgrade must say transport=websocket");
  return std::nullopt;
}

// Why a polling request (GET or POST /socket.io/ without an upgrade) is refused, or nullopt.
std::optional<http::reply> polling_refusal(std::string_view target) {
  auto eio = query_param(target, "EIO");
  if (eio != "4")
    return http::json_error(
        400, "unsupported_protocol_version",
        "only Engine.IO v4 (Socket.IO v3/v4 clients) is served; got EIO=" + std::string(eio));
  auto transport = query_param(target, "transport");
  if (transport == "websocket")
    return http::json_error(400, "transport_unsupported",
                            "transport=websocket needs a WebSocket upgrade request");
  if (transport != "polling")
    return http::json_error(
        400, "transport_unsupported",
        "the transports served are polling and websocket; got transport=" + std::string(transport));
  return std::nullopt;
}

http::reply too_many_clients() {
  auto busy = http::json_error(503, "too_many_clients",
                               "the real-time channel has too many clients; retry shortly");
  busy.headers.emplace_back("Retry-After", "5");
  return busy;
}

// A refused upgrade or polling request on a socket the hub took over (http/server.h).
asio::awaitable<void> answer_and_close(tcp::socket socket, http::reply r, unsigned version) {
  return http::refuse_upgrade(std::move(socket), std::move(r), version, std::chrono::seconds(10));
}

// An event the hub makes itself (metrics:snapshot): no filter fields.
outgoing_event make_event(std::string_view name, std::string_view json) {
  outgoing_event e;
  e.frame = std::make_shared<const std::string>(protocol::event_packet(name, json));
  e.public_read = name == events::metrics_snapshot || name == events::log_new;
  return e;
}

// A published event: its frame built once, its filter fields taken as they are (no parsing).
outgoing_event make_event(const tracehub::events::event& ev) {
  auto e = make_event(ev.name, *ev.payload);
  if (ev.name == events::ack_sent) {
    e.kind = event_kind::ack_sent;
    e.service = ev.service;
  } else if (ev.name == events::log_new && ev.log) {
    e.kind = event_kind::log_new;
    e.service = ev.log->service;
    e.level = ev.log->level;
    e.message = ev.log->message;
  }
  return e;
}

}  // namespace

// Lives on the hub's strand; the coroutines below share it, so it outlives hub::~hub while they
// run. Holds clients weakly: a session coroutine owns its client.
struct hub::state : std::enable_shared_from_this<hub::state> {
  state(asio::io_context& io, options o, std::shared_ptr<probe> p)
      : strand_(asio::make_strand(io)),
        opts_(std::make_shared<const options>(std::move(o))),
        probe_(std::move(p)),
        tick_timer_(strand_),
        snapshot_timer_(strand_) {}

  void fan_out(const outgoing_event& e) {
    auto now = steady::now();
    std::erase_if(clients_, [&](const std::weak_ptr<client>& w) {
      auto c = w.lock();
      if (!c) return true;
      c->offer(e, now);
      return false;
    });
  }

  // Forgets closed sessions and ended clients.
  void prune() {
    std::erase_if(sessions_, [now = steady::now()](const auto& kv) {
      return kv.second->closed() && !kv.second->owes_noop(now);
    });
    std::erase_if(clients_, [](const std::weak_ptr<client>& w) {
      auto c = w.lock();
      return !c || c->closed();
    });
  }

  bool full() {
    prune();
    if (clients_.size() < opts_->max_clients) return false;
    probe_->client_refused();
    return true;
  }

  // A polling request (hub::poll), on the strand.
  static asio::awaitable<http::reply> poll(std::shared_ptr<state> s, std::string sid,
                                           poll_request r) {
    if (s->stopped_)
      co_return http::json_error(503, "unavailable", "the real-time channel is stopping");
    if (sid.empty()) {
      if (r.post)
        co_return http::json_error(400, "bad_handshake_method",
                                   "a polling session starts with a GET without sid");
      if (s->full()) co_return too_many_clients();
      auto c = std::make_shared<client>(s->strand_, s->opts_, s->probe_);
      s->clients_.push_back(c);
      s->sessions_.emplace(c->engine_sid(), c);
      co_return co_await client::poll(c, std::move(r));
    }
    auto it = s->sessions_.find(sid);
    // The session's timeouts are checked now, not at the next tick: a request finds a session
    // that missed its pong closed, however short the heartbeat.
    auto now = steady::now();
    if (it != s->sessions_.end()) it->second->tick(now);
    if (it != s->sessions_.end() && !r.post)
      if (auto noop = it->second->take_owed_noop(now)) co_return std::move(*noop);
    if (it == s->sessions_.end() || it->second->closed())
      co_return http::json_error(400, "unknown_sid", "Session ID unknown");
    auto c = it->second;  // the session may be erased while this request waits
    co_return co_await client::poll(std::move(c), std::move(r));
  }

  // The WebSocket upgrade of the polling session `sid`, on the strand.
  void upgrade(std::string sid, tcp::socket socket, http::request req) {
    auto it = sessions_.find(sid);
    std::optional<http::reply> refused;
    if (it == sessions_.end() || it->second->closed())
      refused = http::json_error(400, "unknown_sid", "Session ID unknown");
    else if (!it->second->may_upgrade())
      refused =
          http::json_error(400, "upgrade_refused", "this session is upgrading or upgraded already");
    if (refused && it != sessions_.end() && !it->second->closed() &&
        opts_->close_duplicate_upgrades) {
      asio::co_spawn(strand_, accept_and_close(std::move(socket), std::move(req)), asio::detached);
      return;
    }
    if (refused) {
      asio::co_spawn(strand_,
                     answer_and_close(std::move(socket), std::move(*refused), req.version()),
                     asio::detached);
      return;
    }
    asio::co_spawn(strand_, client::upgrade(it->second, std::move(socket), std::move(req)),
                   log_session_error);
  }

  static void log_session_error(std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log().error("session: {}", ex.what());
    }
  }

  static asio::awaitable<void> tick_loop(std::shared_ptr<state> s) {
    while (!s->stopped_) {
      s->tick_timer_.expires_after(tick_interval(*s->opts_));
      auto [ec] = co_await s->tick_timer_.async_wait(use_tuple);
      if (ec || s->stopped_) co_return;
      auto now = steady::now();
      std::erase_if(s->clients_, [&](const std::weak_ptr<client>& w) {
        auto c = w.lock();
        if (!c) return true;
        c->tick(now);
        return false;
      });
      std::erase_if(s->sessions_, [now](const auto& kv) {
        return kv.second->closed() && !kv.second->owes_noop(now);
      });
    }
  }

  static asio::awaitable<void> snapshot_loop(std::shared_ptr<state> s) {
    while (!s->stopped_) {
      s->snapshot_timer_.expires_after(s->opts_->snapshot_interval);
      auto [ec] = co_await s->snapshot_timer_.async_wait(use_tuple);
      if (ec || s->stopped_) co_return;
      if (s->clients_.empty()) continue;
      s->fan_out(make_event(events::metrics_snapshot, s->opts_->snapshot()));
    }
  }

  void stop() {
    stopped_ = true;
    tick_timer_.cancel();
    snapshot_timer_.cancel();
    for (auto& w : clients_)
      if (auto c = w.lock()) c->close();
    clients_.clear();
    sessions_.clear();
  }

  strand strand_;
  std::shared_ptr<const options> opts_;
  std::shared_ptr<probe> probe_;
  asio::steady_timer tick_timer_, snapshot_timer_;
  std::vector<std::weak_ptr<client>> clients_;  // strand only
  // Sessions that began by polling, by Engine.IO sid: owned here, as no coroutine runs for
  // them between requests (strand only).
  std::unordered_map<std::string, std::shared_ptr<client>> sessions_;
  bool stopped_ = false;  // strand only
};

hub::hub(asio::io_context& io, options opts, std::shared_ptr<probe> counters)
    : state_(std::make_shared<state>(io, std::move(opts), std::move(counters))) {}

hub::~hub() {
  stop();
}

void hub::start() {
  asio::co_spawn(state_->strand_, state::tick_loop(state_), asio::detached);
  if (state_->opts_->snapshot)
    asio::co_spawn(state_->strand_, state::snapshot_loop(state_), asio::detached);
}

void hub::stop() {
  asio::post(state_->strand_, [s = state_] { s->stop(); });
}

void hub::accept(tcp::socket&& socket, http::request&& req) {
  auto r = upgrade_refusal(req.target(), state_->opts_->path);
  if (!r && state_->opts_->access) r = state_->opts_->access->refuse_foreign_host(req);
  if (!r && state_->opts_->access) r = state_->opts_->access->refuse_foreign_origin(req);
  if (r) {
    log().debug("refused upgrade {}: {}", std::string(req.target()), r->body);
    asio::co_spawn(state_->strand_,
                   answer_and_close(std::move(socket), std::move(*r), req.version()),
                   asio::detached);
    return;
  }
  if (auto sid = query_param(req.target(), "sid"); !sid.empty()) {
    asio::post(state_->strand_, [s = state_, sid = std::string(sid), socket = std::move(socket),
                                 req = std::move(req)]() mutable {
      if (s->stopped_) return;  // the socket closes with this handler
      s->upgrade(std::move(sid), std::move(socket), std::move(req));
    });
    return;
  }
  auto c =
      std::make_shared<client>(std::move(socket), state_->strand_, state_->opts_, state_->probe_);
  asio::post(state_->strand_, [s = state_, c, req = std::move(req)]() mutable {
    if (s->stopped_) return c->close();
    if (s->full()) {
      asio::co_spawn(s->strand_,
                     answer_and_close(c->release_socket(), too_many_clients(), req.version()),
                     asio::detached);
      return;
    }
    s->clients_.push_back(c);
    asio::co_spawn(s->strand_, client::run(c, std::move(req)), state::log_session_error);
  });
}

asio::awaitable<http::reply> hub::poll(http::request& req) {
  std::string target(req.target());
  if (auto r = polling_refusal(target)) co_return std::move(*r);
  if (req.method() != beast::http::verb::get && req.method() != beast::http::verb::post)
    co_return http::json_error(400, "bad_method", "polling requests are GET or POST");
  poll_request pr;
  pr.post = req.method() == beast::http::verb::post;
  std::string_view type = req[beast::http::field::content_type];
  pr.binary = beast::iequals(type.substr(0, type.find(';')), "application/octet-stream");
  pr.body = std::move(req.body());
  std::string sid(query_param(target, "sid"));
  co_return co_await asio::co_spawn(
      state_->strand_, state::poll(state_, std::move(sid), std::move(pr)), asio::use_awaitable);
}

http::route_guard hub::polling_guard() const {
  return [opts = state_->opts_](const http::request_header& h) -> std::optional<http::reply> {
    if (opts->access) {
      if (auto r = opts->access->refuse_foreign_host(h)) return r;
      if (auto r = opts->access->refuse_foreign_origin(h)) return r;
    }
    if (h.method() == beast::http::verb::post) {
      auto length = h[beast::http::field::content_length];
      std::size_t n = 0;
      auto [end, ec] = std::from_chars(length.data(), length.data() + length.size(), n);
      if (!length.empty() && (ec != std::errc{} || n > opts->max_payload))
        return http::json_error(
            413, "payload_too_large",
            "the payload exceeds maxPayload (" + std::to_string(opts->max_payload) + " bytes)");
    }
    return std::nullopt;
  };
}

void hub::broadcast(const tracehub::events::event_ptr& event) {
  auto e = std::make_shared<const outgoing_event>(make_event(*event));
  asio::post(state_->strand_, [s = state_, e] {
    if (!s->stopped_) s->fan_out(*e);
  });
}

const probe& hub::counters() const {
  return *state_->probe_;
}

}  // namespace tracehub::realtime
