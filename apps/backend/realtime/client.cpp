#include "backend/realtime/client.h"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "backend/base/json_parse.h"
#include "backend/realtime/event_names.h"
#include "backend/realtime/logger.h"
#include "backend/realtime/protocol.h"

namespace tracehub::realtime {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
// Control frames are few (handshake, one ping per interval, replies to the client's own
// packets); more than this queued means the client neither reads nor behaves.
constexpr std::size_t max_control_frames = 64;

bool expected_end(const beast::error_code& ec) {
  return ec == websocket::error::closed || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
         ec == asio::error::broken_pipe || ec == asio::error::not_connected ||
         ec == beast::error::timeout;
}

void fail(const beast::error_code& ec, const char* what) {
  if (!expected_end(ec)) log().warn("{}: {}", what, ec.message());
}

// Past this, an upgrade whose probe has not ended in the client's upgrade packet is abandoned
// (its WebSocket closed); the session goes on polling.
constexpr std::chrono::seconds upgrade_timeout{10};

// A client may announce at most this many attachments for one binary packet (their bytes
// together at most maxPayload).
constexpr std::size_t max_attachments = 256;

// How long a client that closed by POST may take to deliver its GET that was already on its
// way (client::owes_noop).
constexpr std::chrono::seconds owed_noop_grace{2};

// The size a frame takes in a polling payload.
std::size_t payload_size(const control_frame& f) {
  return f.binary ? 1 + 4 * ((f.data->size() + 2) / 3) : f.data->size();
}

http::reply payload_reply(std::string body) {
  http::reply r(200, std::move(body));
  r.content_type = "text/plain; charset=UTF-8";
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace

std::chrono::milliseconds tick_interval(const options& o) {
  return std::clamp(o.ping_timeout / 10, std::chrono::milliseconds(1),
                    std::chrono::milliseconds(250));
}

asio::awaitable<void> accept_and_close(asio::ip::tcp::socket socket, http::request req) {
  websocket_stream ws(std::move(socket));
  ws.set_option(
      websocket::stream_base::timeout{std::chrono::seconds(10), std::chrono::seconds(10), false});
  auto [ec] = co_await ws.async_accept(req, use_tuple);
  if (ec) co_return;  // the peer is gone: nothing to close
  co_await ws.async_close(websocket::close_reason(websocket::close_code::policy_error,
                                                  "this session is upgrading or upgraded already"),
                          use_tuple);
}

void peer::send(std::string_view text) const {
  auto c = client_.lock();
  if (!c) return;
  std::string packet = "4";
  packet += text;
  c->push_control(std::move(packet));
}

void peer::send_binary(std::string_view bytes) const {
  if (auto c = client_.lock()) c->push_control(std::string(bytes), true);
}

void peer::emit(std::string_view nsp, std::string_view args,
                std::span<const std::string> attachments) const {
  auto c = client_.lock();
  if (!c) return;
  auto type = attachments.empty() ? protocol::sio_type::event : protocol::sio_type::binary_event;
  c->push_control(protocol::encode_sio(type, nsp, std::nullopt, attachments.size(), args));
  for (const auto& a : attachments)
    c->push_control(a, true);
}

void peer::ack(std::string_view nsp, std::uint64_t id, std::string_view args,
               std::span<const std::string> attachments) const {
  auto c = client_.lock();
  if (!c) return;
  auto type = attachments.empty() ? protocol::sio_type::ack : protocol::sio_type::binary_ack;
  c->push_control(protocol::encode_sio(type, nsp, id, attachments.size(), args));
  for (const auto& a : attachments)
    c->push_control(a, true);
}

void peer::later(std::chrono::milliseconds delay, std::function<void(const peer&)> fn) const {
  auto c = client_.lock();
  if (!c || c->closed()) return;
  auto timer = std::make_shared<asio::steady_timer>(c->strand_, delay);
  timer->async_wait([timer, self = *this, fn = std::move(fn)](const boost::system::error_code&) {
    auto c = self.client_.lock();
    if (c && !c->closed()) fn(self);
  });
}

client::client(asio::ip::tcp::socket socket, strand s, std::shared_ptr<const options> opts,
               std::shared_ptr<probe> counters)
    : ws_(std::in_place, std::move(socket)),
      strand_(std::move(s)),
      opts_(std::move(opts)),
      probe_(std::move(counters)),
      wake_(strand_),
      poll_wake_(strand_),
      sid_(protocol::random_sid()),
      engine_sid_(protocol::random_sid()),
      bucket_(opts_->log_rate, opts_->log_rate) {}

client::client(strand s, std::shared_ptr<const options> opts, std::shared_ptr<probe> counters)
    : strand_(std::move(s)),
      opts_(std::move(opts)),
      probe_(std::move(counters)),
      wake_(strand_),
      poll_wake_(strand_),
      sid_(protocol::random_sid()),
      engine_sid_(protocol::random_sid()),
      bucket_(opts_->log_rate, opts_->log_rate) {
  polling_ = true;
  mark_open();
  push_control(protocol::open_packet(engine_sid_, opts_->ping_interval, opts_->ping_timeout,
                                     opts_->max_payload, true));
}

void client::mark_open() {
  open_ = true;
  probe_->client_opened();
  auto now = steady::now();
  opened_at_ = now;
  ping_sent_ = now;
  skipped_reported_ = now;
}

void client::configure_ws() {
  auto& ws = *ws_;
  // A small kernel send buffer: what a slow client has not taken then waits in the bounded,
  // counted queue rather than in megabytes of autotuned socket buffer.
  beast::error_code ignored;  // the default buffer size serves too
  beast::get_lowest_layer(ws).socket().set_option(asio::socket_base::send_buffer_size(256 * 1024),
                                                  ignored);
  ws.set_option(websocket::stream_base::timeout{std::chrono::seconds(10),
                                                websocket::stream_base::none(), false});
  ws.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(beast::http::field::server, "tracehub"); }));
  ws.read_message_max(opts_->max_payload);
}

asio::awaitable<void> client::run(std::shared_ptr<client> self, http::request req) {
  self->configure_ws();
  auto [ec] = co_await self->ws_->async_accept(req, use_tuple);
  if (ec) co_return fail(ec, "websocket handshake");
  if (self->closed_) co_return;

  self->mark_open();
  self->push_control(protocol::open_packet(self->engine_sid_, self->opts_->ping_interval,
                                           self->opts_->ping_timeout, self->opts_->max_payload));
  asio::co_spawn(self->strand_, write_loop(self), asio::detached);
  co_await read_loop(self);
}

asio::awaitable<void> client::read_loop(std::shared_ptr<client> self) {
  auto& ws = *self->ws_;
  beast::flat_buffer buffer;
  for (;;) {
    auto [rec, n] = co_await ws.async_read(buffer, use_tuple);
    if (rec) {
      fail(rec, "websocket read");
      break;
    }
    auto data = buffer.cdata();
    std::string_view bytes{static_cast<const char*>(data.data()), data.size()};
    if (ws.got_text())
      self->on_text(bytes);
    else if (self->takes_binary())
      self->on_binary(std::string(bytes));
    // else: a binary message, the attachment of a binary event, which this hub does not take
    buffer.consume(buffer.size());
    if (self->closed_) break;
  }
  self->close();
}

control_frame client::next_frame() {
  control_frame frame;
  if (!control_.empty()) {
    frame = std::move(control_.front());
    control_.pop_front();
  } else if (!events_.empty()) {
    frame.data = std::move(events_.front().frame);
    events_.pop_front();
    ++front_id_;
    if (events_.empty()) ack_ids_.clear();
    if (events_.size() < opts_->queue_frames) full_since_.reset();
  }
  return frame;
}

asio::awaitable<void> client::write_loop(std::shared_ptr<client> self) {
  while (!self->closed_) {
    auto frame = self->next_frame();
    if (!frame.data) {
      self->wake_.expires_at(steady::time_point::max());
      // Ends cancelled when woken by a push or by close(): either way, look again.
      co_await self->wake_.async_wait(use_tuple);
      continue;
    }
    self->ws_->binary(frame.binary);
    auto [ec, n] = co_await self->ws_->async_write(asio::buffer(*frame.data), use_tuple);
    if (ec) {
      fail(ec, "websocket write");
      self->close();
      co_return;
    }
    self->probe_->frame_sent();
  }
}

asio::awaitable<http::reply> client::poll(std::shared_ptr<client> self, poll_request r) {
  if (!self->polling_)
    co_return http::json_error(400, "transport_mismatch",
                               "this session has been upgraded to websocket");
  if (r.post) co_return self->on_post(r);
  if (self->poll_pending_) {
    // As the reference server does: an overlapping GET ends the session; the pending GET
    // gets the close packet.
    log().info("client {}: a second GET while one is pending; closing", self->sid_);
    self->close();
    co_return http::json_error(400, "overlapping_poll",
                               "a GET arrived while another was pending; the session is closed");
  }
  co_return co_await long_poll(self);
}

asio::awaitable<http::reply> client::long_poll(std::shared_ptr<client> self) {
  self->poll_pending_ = true;
  std::string body;
  for (;;) {
    if (self->closed_) {
      // As the reference server does: the client that closed gets a noop, so that its pending
      // GET ends cleanly; one the server closed learns it from the close packet.
      body = self->closed_by_client_ ? protocol::noop_packet : protocol::close_packet;
      break;
    }
    // Upgraded meanwhile, or probing: a noop lets the client finish pausing its polling.
    if (!self->polling_) {
      body = protocol::noop_packet;
      break;
    }
    if (!self->control_.empty() || !self->events_.empty()) {
      // At least one frame, then as many as fit in maxPayload; the rest waits for the next GET.
      for (auto frame = self->next_frame(); frame.data; frame = self->next_frame()) {
        if (frame.binary)
          protocol::append_to_payload(body, "b" + protocol::encode_base64(*frame.data));
        else
          protocol::append_to_payload(body, *frame.data);
        self->probe_->frame_sent();
        auto next = !self->control_.empty()  ? self->control_.front()
                    : !self->events_.empty() ? control_frame{self->events_.front().frame}
                                             : control_frame{};
        if (!next.data || body.size() + 1 + payload_size(next) > self->opts_->max_payload) break;
      }
      break;
    }
    if (self->probed_) {
      body = protocol::noop_packet;
      break;
    }
    self->poll_wake_.expires_at(steady::time_point::max());
    // Ends cancelled when woken by a push, a close or an upgrade: look again.
    co_await self->poll_wake_.async_wait(use_tuple);
  }
  self->poll_pending_ = false;
  co_return payload_reply(std::move(body));
}

http::reply client::on_post(const poll_request& r) {
  if (r.binary) {
    log().debug("client {}: binary POST; closing", sid_);
    close();
    return http::json_error(400, "binary_unsupported",
                            "binary payloads are not served; the session is closed");
  }
  auto payload = protocol::decode_payload(r.body, opts_->max_payload, takes_binary());
  if (payload.error == protocol::payload_error::too_large)
    return http::json_error(
        413, "payload_too_large",
        "the payload exceeds maxPayload (" + std::to_string(opts_->max_payload) + " bytes)");
  if (payload.error != protocol::payload_error::none) {
    log().debug("client {}: {}; closing", sid_, protocol::describe(payload.error));
    close();
    return http::json_error(
        400, "malformed_payload",
        std::string(protocol::describe(payload.error)) + "; the session is closed");
  }
  for (auto packet : payload.packets) {
    if (closed_) break;
    if (packet[0] == 'b')
      on_binary(*protocol::decode_base64(packet.substr(1)));  // checked by decode_payload
    else
      on_text(packet);
  }
  http::reply ok(200, "ok");
  ok.content_type = "text/html";  // what the reference server answers
  ok.headers.emplace_back("Cache-Control", "no-store");
  return ok;
}

asio::awaitable<void> client::upgrade(std::shared_ptr<client> self, asio::ip::tcp::socket socket,
                                      http::request req) {
  self->ws_.emplace(std::move(socket));
  self->upgrade_started_ = steady::now();
  self->configure_ws();
  auto& ws = *self->ws_;
  bool upgraded = false;
  auto [ec] = co_await ws.async_accept(req, use_tuple);
  if (ec) fail(ec, "websocket handshake (upgrade)");
  beast::flat_buffer buffer;
  while (!ec && !self->closed_) {
    std::size_t n = 0;
    std::tie(ec, n) = co_await ws.async_read(buffer, use_tuple);
    if (ec || self->closed_) break;
    auto data = buffer.cdata();
    std::string text(static_cast<const char*>(data.data()), data.size());
    buffer.consume(buffer.size());
    if (ws.got_text() && text == protocol::probe_ping && !self->probed_) {
      ws.text(true);
      std::tie(ec, n) = co_await ws.async_write(asio::buffer(protocol::probe_pong), use_tuple);
      if (ec || self->closed_) break;
      self->probed_ = true;
      self->poll_wake_.cancel();  // a pending GET answers now, so the client can pause
      continue;
    }
    upgraded = ws.got_text() && text == protocol::upgrade_packet && self->probed_;
    break;  // the upgrade packet, or anything else, ends the probe
  }
  if (self->closed_) co_return;
  if (!upgraded) {
    log().debug("client {}: upgrade abandoned; still polling", self->sid_);
    self->probed_ = false;
    beast::error_code ignored;  // the peer may have gone already
    beast::get_lowest_layer(ws).socket().close(ignored);
    self->ws_.reset();
    co_return;
  }
  self->polling_ = false;
  self->probed_ = false;
  self->poll_wake_.cancel();  // a GET still pending answers with a noop
  asio::co_spawn(self->strand_, write_loop(self), asio::detached);
  co_await read_loop(self);
}

bool client::takes_binary() const {
  return opts_->on_message || opts_->on_event;
}

void client::on_text(std::string_view text) {
  auto packet = protocol::decode_eio(text);
  if (!packet) {
    log().debug("client {}: not an Engine.IO packet; closing", sid_);
    return close();
  }
  switch (packet->type) {
    case protocol::eio_type::pong:
      awaiting_pong_ = false;
      return;
    case protocol::eio_type::ping:  // not sent by v4 clients; answering costs nothing
      return push_control(std::string(protocol::pong_packet));
    case protocol::eio_type::message:
      if (opts_->on_message) return opts_->on_message(peer(weak_from_this()), packet->data, false);
      return on_socket_io(packet->data);
    case protocol::eio_type::close:
      closed_by_client_ = true;
      if (polling_ && !poll_pending_) owes_noop_until_ = steady::now() + owed_noop_grace;
      return close();
    default:  // open, upgrade, noop: nothing to do on a WebSocket-only server
      return;
  }
}

// A binary message (only when takes_binary()): the data of a bare Engine.IO server, or the
// next attachment of the binary packet waiting for them.
void client::on_binary(std::string bytes) {
  if (opts_->on_message) return opts_->on_message(peer(weak_from_this()), bytes, true);
  if (!partial_) {
    log().debug("client {}: a binary message without a binary packet; closing", sid_);
    return close();
  }
  partial_->bytes += bytes.size();
  if (partial_->bytes > opts_->max_payload) {
    log().debug("client {}: attachments over maxPayload; closing", sid_);
    return close();
  }
  partial_->attachments.push_back(std::move(bytes));
  if (partial_->attachments.size() < partial_->expected) return;
  auto done = std::move(*partial_);
  partial_.reset();
  // A BINARY_ACK answers nothing this hub asked; it is taken and dropped.
  if (done.type == protocol::sio_type::binary_event)
    on_event(done.nsp, done.payload, done.ack_id, std::move(done.attachments));
}

void client::on_socket_io(std::string_view data) {
  auto p = protocol::decode_sio(data);
  if (!p || partial_) {
    // A text packet while attachments are awaited is malformed too (as the reference parser).
    log().debug("client {}: malformed Socket.IO packet; closing", sid_);
    return close();
  }
  switch (p->type) {
    case protocol::sio_type::connect:
      if (p->nsp != "/" && std::find(opts_->namespaces.begin(), opts_->namespaces.end(), p->nsp) ==
                               opts_->namespaces.end())
        return push_control(protocol::connect_error(p->nsp, "Invalid namespace"));
      return on_connect(p->nsp, p->payload);
    case protocol::sio_type::disconnect:
      return leave(p->nsp);
    case protocol::sio_type::event:
    case protocol::sio_type::binary_event:
      // An event must be ["name", ...]: anything else is malformed, and ends the connection.
      if (!protocol::parse_event(p->payload)) {
        log().debug("client {}: malformed event payload; closing", sid_);
        return close();
      }
      break;
    default:  // acks (we ask for none), connect errors (a server's): ignored
      break;
  }
  bool binary =
      p->type == protocol::sio_type::binary_event || p->type == protocol::sio_type::binary_ack;
  if (binary && takes_binary()) {
    if (p->attachments > max_attachments) {
      log().debug("client {}: {} attachments announced; closing", sid_, p->attachments);
      return close();
    }
    partial_ = partial_packet{
        p->type, std::string(p->nsp), p->ack_id, std::string(p->payload), p->attachments, 0, {}};
    return;
  }
  if (p->type == protocol::sio_type::event) on_event(p->nsp, p->payload, p->ack_id, {});
  // else: an ack (we ask for none), or a binary packet this hub does not take: ignored
}

bool client::joined(std::string_view nsp) const {
  if (nsp == "/") return joined_;
  return std::find(other_namespaces_.begin(), other_namespaces_.end(), nsp) !=
         other_namespaces_.end();
}

void client::leave(std::string_view nsp) {
  if (nsp == "/") {
    joined_ = false;
    return;
  }
  std::erase(other_namespaces_, nsp);
}

// CONNECT to `nsp` with the client's `auth` object as payload (socket.io-client's `auth`
// option): {"token": "..."} is checked against the admin token when one is set.
void client::on_connect(std::string_view nsp, std::string_view auth_payload) {
  const auto& access = opts_->access;
  if (!access || !access->token_required()) {
    full_access_ = true;
  } else {
    boost::system::error_code ec;
    auto auth = parse_json(auth_payload, ec);
    const boost::json::value* token = nullptr;
    if (!ec && auth.is_object()) token = auth.as_object().if_contains("token");
    std::string_view presented =
        token && token->is_string() ? std::string_view(token->as_string()) : std::string_view{};
    full_access_ = access->token_matches(presented);
    if (!full_access_ && (!presented.empty() || !opts_->public_read)) {
      probe_->join_refused();
      return push_control(protocol::connect_error(
          nsp, presented.empty() ? "unauthorized: this server needs the admin token (sign in)"
                                 : "forbidden: the token is not TRACEHUB_ADMIN_TOKEN"));
    }
  }
  if (nsp == "/")
    joined_ = true;
  else if (!joined(nsp))
    other_namespaces_.emplace_back(nsp);
  ever_joined_ = true;
  push_control(protocol::connect_reply(nsp, sid_));
  if (opts_->on_join)
    opts_->on_join(peer(weak_from_this()), nsp, auth_payload.empty() ? "{}" : auth_payload);
}

void client::on_event(std::string_view nsp, std::string_view payload,
                      std::optional<std::uint64_t> ack_id, std::vector<std::string> attachments) {
  if (!joined(nsp)) return;  // nothing is owed to a namespace the client has not joined
  if (nsp == "/" && attachments.empty()) {
    auto call = protocol::parse_event(payload);
    if (call && call->name == events::subscribe) return on_subscribe(call->arg, ack_id);
  }
  if (!opts_->on_event) return;  // TraceHub takes no other event from clients
  opts_->on_event(peer(weak_from_this()), socket_io_event{nsp, payload, ack_id, attachments});
}

void client::on_subscribe(const boost::json::value& arg, std::optional<std::uint64_t> ack_id) {
  std::string error;
  auto filter = log_filter::parse(arg, error);
  if (filter) filter_ = std::move(*filter);
  if (!ack_id) return;
  boost::json::object answer;
  answer["ok"] = filter.has_value();
  if (!filter) answer["error"] = error;
  auto args = "[" + boost::json::serialize(answer) + "]";
  push_control(protocol::ack_packet("/", *ack_id, args));
}

void client::offer(const outgoing_event& e, steady::time_point now) {
  if (!open_ || closed_ || !joined_) return;
  if (!full_access_ && !e.public_read) return;
  if (e.kind == event_kind::log_new) {
    if (!filter_.matches({e.service, e.level, e.message})) return;
    if (!bucket_.take(now)) {
      ++skipped_;
      probe_->log_skipped();
      return;
    }
  }
  push_event(e);
}

void client::push_event(const outgoing_event& e) {
  const std::uint64_t next_id = front_id_ + events_.size();
  if (e.kind == event_kind::ack_sent && events_.size() >= opts_->coalesce_from) {
    auto it = ack_ids_.find(e.service);
    if (it != ack_ids_.end() && it->second >= front_id_) {
      events_[it->second - front_id_].frame = e.frame;
      probe_->ack_coalesced();
      return;
    }
  }
  if (events_.size() >= opts_->queue_frames) {
    if (events_.front().kind == event_kind::log_new) {
      ++skipped_;
      probe_->log_skipped();
    }
    events_.pop_front();
    ++front_id_;
    probe_->frame_dropped();
  }
  events_.push_back({e.frame, e.kind});
  if (e.kind == event_kind::ack_sent) ack_ids_[e.service] = next_id;
  if (events_.size() >= opts_->queue_frames && !full_since_) full_since_ = steady::now();
  wake_writer();
}

void client::push_control(std::string text, bool binary) {
  if (closed_) return;
  if (control_.size() >= max_control_frames) {
    log().info("client {}: {} control frames unsent; closing", sid_, control_.size());
    return close();
  }
  control_.push_back({std::make_shared<const std::string>(std::move(text)), binary});
  wake_writer();
}

void client::wake_writer() {
  wake_.cancel();
  poll_wake_.cancel();
}

void client::tick(steady::time_point now) {
  if (!open_ || closed_) return;
  if (polling_ && ws_ && beast::get_lowest_layer(*ws_).socket().is_open() &&
      now - upgrade_started_ > upgrade_timeout) {
    log().info("client {}: upgrade not completed within {} s; closing its WebSocket", sid_,
               upgrade_timeout.count());
    beast::error_code ignored;  // the upgrade coroutine sees its read end and cleans up
    beast::get_lowest_layer(*ws_).socket().close(ignored);
  }
  if (!ever_joined_ && !opts_->on_message && now - opened_at_ > opts_->join_timeout) {
    log().info("client {}: joined no namespace within {} ms; closing", sid_,
               opts_->join_timeout.count());
    probe_->join_timed_out();
    return close();
  }
  if (awaiting_pong_ && now - ping_sent_ > opts_->ping_timeout) {
    log().info("client {}: no pong within {} ms; closing", sid_, opts_->ping_timeout.count());
    probe_->ping_timed_out();
    return close();
  }
  if (full_since_ && now - *full_since_ > opts_->slow_client_limit) {
    log().info("client {}: queue full for over {} ms; closing", sid_,
               opts_->slow_client_limit.count());
    probe_->slow_client_disconnected();
    return close();
  }
  if (!awaiting_pong_ && now - ping_sent_ >= opts_->ping_interval) {
    // The ping counts from when it was due, if that was at most a tick ago: pings keep their
    // interval and the pong deadline does not drift by up to a tick (a ping sent later, after
    // a stall, counts from now).
    ping_sent_ = std::max<steady::time_point>(ping_sent_ + opts_->ping_interval,
                                              now - tick_interval(*opts_));
    awaiting_pong_ = true;
    push_control(std::string(protocol::ping_packet));
  }
  if (joined_ && skipped_ > 0 && now - skipped_reported_ >= opts_->skipped_interval) {
    skipped_reported_ = now;
    auto json = "{\"count\":" + std::to_string(skipped_) + "}";
    skipped_ = 0;
    push_control(protocol::event_packet(events::log_skipped, json));
  }
}

asio::ip::tcp::socket client::release_socket() {
  return beast::get_lowest_layer(*ws_).release_socket();
}

std::optional<http::reply> client::take_owed_noop(steady::time_point now) {
  if (!owes_noop(now)) return std::nullopt;
  owes_noop_until_ = {};
  return payload_reply(std::string(protocol::noop_packet));
}

void client::close() {
  if (closed_) return;
  closed_ = true;
  joined_ = false;
  control_.clear();
  events_.clear();
  ack_ids_.clear();
  beast::error_code ignored;  // the socket may be closed by the peer already
  if (ws_) beast::get_lowest_layer(*ws_).socket().close(ignored);
  wake_.cancel();
  poll_wake_.cancel();
  if (open_) probe_->client_closed();
}

}  // namespace tracehub::realtime
