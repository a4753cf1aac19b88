// realtime/client.h — one Socket.IO client session (internal to the hub).
//
// Everything here runs on the hub's strand: the session coroutines (WebSocket handshake, then a
// read loop; a polling request; an upgrade), the writer coroutine, and the hub's calls to
// offer() and tick(). Outgoing frames wait in two queues: control frames (handshake, pings,
// replies; few, bounded) go first, then event frames (bounded by options::queue_frames, oldest
// dropped). Frames are shared, never copied per client. The queues are the same whatever the
// transport: a WebSocket writer takes frames one by one, a long-poll GET takes what is queued
// (docs/PROTOCOL.md, "Events"), and across an upgrade each frame leaves the queue once, by
// exactly one of them.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "backend/http/reply.h"
#include "backend/realtime/hub.h"
#include "backend/realtime/log_filter.h"
#include "backend/realtime/probe.h"
#include "backend/realtime/protocol.h"

namespace tracehub::realtime {

using frame_ptr = std::shared_ptr<const std::string>;
using strand = boost::asio::strand<boost::asio::io_context::executor_type>;

// The WebSocket of a session. permessage-deflate is never offered (its option stays off), so
// `false` leaves Beast's deflate code out of the build: the same behaviour, less to compile.
using websocket_stream = boost::beast::websocket::stream<boost::beast::tcp_stream, false>;

enum class event_kind { log_new, ack_sent, other };

// One broadcast, serialised once and shared by every client's queue.
struct outgoing_event {
  event_kind kind = event_kind::other;
  frame_ptr frame;
  std::string service, level, message;  // log:new: the filter's fields; ack:sent: service
  bool public_read = false;  // sent to clients that joined without the token (public_read)
};

// A control frame: an Engine.IO packet text, or the bytes of a binary message (sent as a
// WebSocket binary message, or as "b" + base64 in a polling payload).
struct control_frame {
  frame_ptr data;  // null: none
  bool binary = false;
};

// How often the hub looks at its clients (heartbeat, timeouts): every 250 ms, or every tenth
// of the ping timeout when that is shorter, so a ping is never late by more than that.
std::chrono::milliseconds tick_interval(const options& o);

// What a polling request hands to its session (the parts of the HTTP request it needs).
struct poll_request {
  bool post = false;
  bool binary = false;  // Content-Type application/octet-stream
  std::string body;
};

// What the reference server does with a second upgrade of a session: the WebSocket handshake
// answering `req` on `socket`, then a close at once (policy violation). In client.cpp so that
// the WebSocket code is compiled in one file.
boost::asio::awaitable<void> accept_and_close(boost::asio::ip::tcp::socket socket,
                                              http::request req);

class client : public std::enable_shared_from_this<client> {
 public:
  // A WebSocket session; run() takes it over.
  client(boost::asio::ip::tcp::socket socket, strand s, std::shared_ptr<const options> opts,
         std::shared_ptr<probe> counters);
  // A polling session: open at once, its open packet queued (the handshake GET takes it).
  client(strand s, std::shared_ptr<const options> opts, std::shared_ptr<probe> counters);
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  // The session: WebSocket handshake answering `req`, the open packet, then reads until the
  // peer goes or close() is called. Holds `self` alive meanwhile.
  static boost::asio::awaitable<void> run(std::shared_ptr<client> self, http::request req);

  // One polling request of this session: a GET waits (long poll) until frames are queued and
  // answers with them as a payload; a POST hands its payload's packets to the session.
  static boost::asio::awaitable<http::reply> poll(std::shared_ptr<client> self, poll_request r);

  // Upgrades a polling session to WebSocket on `socket` (the upgrade request `req`): the probe,
  // then the switch on the client's upgrade packet. A failed probe leaves polling in place.
  // Its caller checks may_upgrade() first.
  static boost::asio::awaitable<void> upgrade(std::shared_ptr<client> self,
                                              boost::asio::ip::tcp::socket socket,
                                              http::request req);

  // Queues `e` if this client is connected to "/" and wants it (filter, rate limit).
  void offer(const outgoing_event& e, steady::time_point now);
  // Heartbeat, slow-client and log:skipped bookkeeping; called every few hundred ms.
  void tick(steady::time_point now);
  // Closes the socket at once; pending reads and writes end.
  void close();
  // The socket, for a client that never ran (refused before its session started).
  boost::asio::ip::tcp::socket release_socket();

  bool closed() const { return closed_; }
  // The client's close packet came by POST while no GET was pending: its GET, already sent
  // on another connection, may arrive just after. Until `now` passes the grace, one GET is
  // still answered with the noop it would have got (docs/PROTOCOL.md, "Real-time channel").
  bool owes_noop(steady::time_point now) const { return now < owes_noop_until_; }
  // Takes the owed noop (once), or nothing.
  std::optional<http::reply> take_owed_noop(steady::time_point now);
  // Engine.IO session id (the `sid` of polling and upgrade requests).
  const std::string& engine_sid() const { return engine_sid_; }
  // Polling now, with no upgrade under way: a WebSocket upgrade may start.
  bool may_upgrade() const { return polling_ && !ws_; }
  bool polling() const { return polling_; }

 private:
  friend class peer;  // queues the frames of options' handlers

  struct queued {
    frame_ptr frame;
    event_kind kind;
  };
  // A BINARY_EVENT or BINARY_ACK waiting for its attachments (the binary messages after it).
  struct partial_packet {
    protocol::sio_type type;
    std::string nsp;
    std::optional<std::uint64_t> ack_id;
    std::string payload;
    std::size_t expected = 0;
    std::size_t bytes = 0;
    std::vector<std::string> attachments;
  };

  static boost::asio::awaitable<void> write_loop(std::shared_ptr<client> self);
  static boost::asio::awaitable<void> read_loop(std::shared_ptr<client> self);
  static boost::asio::awaitable<http::reply> long_poll(std::shared_ptr<client> self);
  http::reply on_post(const poll_request& r);
  void configure_ws();
  // The next frame to send (control first); its data is null when both queues are empty.
  control_frame next_frame();
  void mark_open();
  // Binary messages and attachments are taken only by a hub with a handler for them.
  bool takes_binary() const;
  void on_text(std::string_view text);
  void on_binary(std::string bytes);
  void on_socket_io(std::string_view data);
  void on_event(std::string_view nsp, std::string_view payload, std::optional<std::uint64_t> ack_id,
                std::vector<std::string> attachments);
  void on_subscribe(const boost::json::value& arg, std::optional<std::uint64_t> ack_id);
  void on_connect(std::string_view nsp, std::string_view auth_payload);
  bool joined(std::string_view nsp) const;
  void leave(std::string_view nsp);
  void push_control(std::string text, bool binary = false);
  void push_event(const outgoing_event& e);
  void wake_writer();

  // The WebSocket: from the start, or once an upgrade of a polling session began.
  std::optional<websocket_stream> ws_;
  strand strand_;
  std::shared_ptr<const options> opts_;
  std::shared_ptr<probe> probe_;
  boost::asio::steady_timer wake_;       // the writer waits on it while both queues are empty
  boost::asio::steady_timer poll_wake_;  // a pending long-poll GET waits on it
  std::string sid_;                      // Socket.IO session id of the "/" connection
  std::string engine_sid_;               // Engine.IO session id (open packet)

  bool polling_ = false;       // frames leave by long-poll GETs (until upgraded)
  bool poll_pending_ = false;  // a GET is waiting for frames
  bool probed_ = false;        // upgrade: 3probe sent; GETs are answered at once
  steady::time_point upgrade_started_{};

  bool open_ = false;    // WebSocket handshake done, or a polling session opened
  bool closed_ = false;  // close() was called
  // By the client's close packet: a pending GET then gets a noop, not the close packet.
  bool closed_by_client_ = false;
  steady::time_point owes_noop_until_{};       // see owes_noop()
  bool joined_ = false;                        // connected to the namespace "/"
  std::vector<std::string> other_namespaces_;  // joined, besides "/" (options::namespaces)
  bool ever_joined_ = false;
  std::optional<partial_packet> partial_;
  // Gets every event (no token required, or the right one sent); false: public_read events.
  bool full_access_ = false;
  steady::time_point opened_at_{};

  std::deque<control_frame> control_;
  std::deque<queued> events_;
  std::uint64_t front_id_ = 0;  // id of events_.front(); ids grow by one per pushed frame
  std::unordered_map<std::string, std::uint64_t> ack_ids_;  // service -> id of its ack:sent
  std::optional<steady::time_point> full_since_;

  log_filter filter_;
  token_bucket bucket_;
  std::int64_t skipped_ = 0;  // log:new not sent since the last log:skipped
  steady::time_point skipped_reported_{};
  steady::time_point ping_sent_{};
  bool awaiting_pong_ = false;
};

}  // namespace tracehub::realtime
