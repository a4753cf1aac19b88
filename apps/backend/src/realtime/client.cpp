#include "realtime/client.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "realtime/event_names.h"
#include "realtime/logger.h"
#include "realtime/protocol.h"

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

}  // namespace

client::client(asio::ip::tcp::socket socket, strand s, std::shared_ptr<const options> opts,
               std::shared_ptr<probe> counters)
    : ws_(std::move(socket)),
      strand_(std::move(s)),
      opts_(std::move(opts)),
      probe_(std::move(counters)),
      wake_(strand_),
      sid_(protocol::random_sid()),
      bucket_(opts_->log_rate, opts_->log_rate) {}

asio::awaitable<void> client::run(std::shared_ptr<client> self, http::request req) {
  auto& ws = self->ws_;
  // A small kernel send buffer: what a slow client has not taken then waits in the bounded,
  // counted queue rather than in megabytes of autotuned socket buffer.
  beast::error_code ignored;  // the default buffer size serves too
  beast::get_lowest_layer(ws).socket().set_option(asio::socket_base::send_buffer_size(256 * 1024),
                                                  ignored);
  ws.set_option(websocket::stream_base::timeout{std::chrono::seconds(10),
                                                websocket::stream_base::none(), false});
  ws.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(beast::http::field::server, "tracehub"); }));
  ws.read_message_max(self->opts_->max_payload);
  auto [ec] = co_await ws.async_accept(req, use_tuple);
  if (ec) co_return fail(ec, "websocket handshake");
  if (self->closed_) co_return;

  self->open_ = true;
  self->probe_->client_opened();
  auto now = steady::now();
  self->opened_at_ = now;
  self->ping_sent_ = now;
  self->skipped_reported_ = now;
  self->push_control(protocol::open_packet(protocol::random_sid(), self->opts_->ping_interval,
                                           self->opts_->ping_timeout, self->opts_->max_payload));
  asio::co_spawn(self->strand_, write_loop(self), asio::detached);

  beast::flat_buffer buffer;
  for (;;) {
    auto [rec, n] = co_await ws.async_read(buffer, use_tuple);
    if (rec) {
      fail(rec, "websocket read");
      break;
    }
    if (ws.got_text()) {
      auto data = buffer.cdata();
      self->on_text({static_cast<const char*>(data.data()), data.size()});
    }  // binary messages carry attachments of binary events, which this server does not take
    buffer.consume(buffer.size());
    if (self->closed_) break;
  }
  self->close();
  self->probe_->client_closed();
}

asio::awaitable<void> client::write_loop(std::shared_ptr<client> self) {
  while (!self->closed_) {
    frame_ptr frame;
    if (!self->control_.empty()) {
      frame = std::move(self->control_.front());
      self->control_.pop_front();
    } else if (!self->events_.empty()) {
      frame = std::move(self->events_.front().frame);
      self->events_.pop_front();
      ++self->front_id_;
      if (self->events_.empty()) self->ack_ids_.clear();
      if (self->events_.size() < self->opts_->queue_frames) self->full_since_.reset();
    } else {
      self->wake_.expires_at(steady::time_point::max());
      // Ends cancelled when woken by a push or by close(): either way, look again.
      co_await self->wake_.async_wait(use_tuple);
      continue;
    }
    self->ws_.text(true);
    auto [ec, n] = co_await self->ws_.async_write(asio::buffer(*frame), use_tuple);
    if (ec) {
      fail(ec, "websocket write");
      self->close();
      co_return;
    }
    self->probe_->frame_sent();
  }
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
      return on_socket_io(packet->data);
    case protocol::eio_type::close:
      return close();
    default:  // open, upgrade, noop: nothing to do on a WebSocket-only server
      return;
  }
}

void client::on_socket_io(std::string_view data) {
  auto p = protocol::decode_sio(data);
  if (!p) {
    log().debug("client {}: malformed Socket.IO packet; closing", sid_);
    return close();
  }
  if (p->type == protocol::sio_type::connect) {
    if (p->nsp != "/") return push_control(protocol::connect_error(p->nsp, "Invalid namespace"));
    return on_connect(p->payload);
  }
  if (p->nsp != "/") return;  // never connected: nothing is owed to other namespaces
  switch (p->type) {
    case protocol::sio_type::disconnect:
      joined_ = false;
      return;
    case protocol::sio_type::event:
      if (joined_) on_event(p->payload, p->ack_id);
      return;
    default:  // acks (we ask for none), binary packets (refused): ignored
      return;
  }
}

// CONNECT to "/" with the client's `auth` object as payload (socket.io-client's `auth`
// option): {"token": "..."} is checked against the admin token when one is set.
void client::on_connect(std::string_view auth_payload) {
  const auto& access = opts_->access;
  if (!access || !access->token_required()) {
    full_access_ = true;
  } else {
    boost::system::error_code ec;
    auto auth = boost::json::parse(auth_payload, ec);
    const boost::json::value* token = nullptr;
    if (!ec && auth.is_object()) token = auth.as_object().if_contains("token");
    std::string_view presented =
        token && token->is_string() ? std::string_view(token->as_string()) : std::string_view{};
    full_access_ = access->token_matches(presented);
    if (!full_access_ && (!presented.empty() || !opts_->public_read)) {
      probe_->join_refused();
      return push_control(protocol::connect_error(
          "/", presented.empty() ? "unauthorized: this server needs the admin token (sign in)"
                                 : "forbidden: the token is not TRACEHUB_ADMIN_TOKEN"));
    }
  }
  joined_ = true;
  ever_joined_ = true;
  push_control(protocol::connect_reply("/", sid_));
}

void client::on_event(std::string_view payload, std::optional<std::uint64_t> ack_id) {
  auto call = protocol::parse_event(payload);
  if (!call) return;
  if (call->name != events::subscribe) return;  // the only event a client may send
  std::string error;
  auto filter = log_filter::parse(call->arg, error);
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

void client::push_control(std::string text) {
  if (closed_) return;
  if (control_.size() >= max_control_frames) {
    log().info("client {}: {} control frames unsent; closing", sid_, control_.size());
    return close();
  }
  control_.push_back(std::make_shared<const std::string>(std::move(text)));
  wake_writer();
}

void client::wake_writer() {
  wake_.cancel();
}

void client::tick(steady::time_point now) {
  if (!open_ || closed_) return;
  if (!ever_joined_ && now - opened_at_ > opts_->join_timeout) {
    log().info("client {}: did not join \"/\" within {} ms; closing", sid_,
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
    ping_sent_ = now;
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
  return beast::get_lowest_layer(ws_).release_socket();
}

void client::close() {
  if (closed_) return;
  closed_ = true;
  joined_ = false;
  control_.clear();
  events_.clear();
  ack_ids_.clear();
  beast::error_code ignored;  // the socket may be closed by the peer already
  beast::get_lowest_layer(ws_).socket().close(ignored);
  wake_.cancel();
}

}  // namespace tracehub::realtime
