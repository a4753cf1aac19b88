// realtime/hub.h — the Socket.IO channel (docs/PROTOCOL.md, "Events"): Socket.IO v5 over Engine.IO
// v4 on the namespace "/", over the polling and WebSocket transports, polling sessions
// upgrading to WebSocket.
//
// The hub owns every client session. accept() takes an upgraded HTTP request (the http
// server's upgrade hook, io thread): a new WebSocket session, or the upgrade of a polling one;
// poll() answers the polling transport's GET and POST requests (a route); broadcast() may be
// called from any thread: it serialises the event once and posts the fan-out to the hub's
// strand, where all client state lives.
// Each client has a bounded outgoing queue (oldest frames dropped and counted when full; a
// client whose queue stays full, or who misses a pong, is disconnected — a polling client that
// stops polling misses its pong), a log:new filter set by its `subscribe` event and a log:new
// rate limit whose skips it is told about in `log:skipped {count}`, whatever its transport.
// The hub does not serve rooms, binary events or namespaces other than "/" — unless given the
// handlers of options' last part (extension points for test servers: tests/conformance runs
// the protocols' own test suites against a hub configured so; TraceHub sets none of them).
// Access (README "Security"): the upgrade and every polling request are refused when their
// Host or Origin is foreign (http/admin.h; 421/403), a new session when max_clients are
// connected (503). With an admin token set,
// a client joins "/" only with `auth: {token}` in its CONNECT packet — or, when public_read,
// without it, and then gets metrics:snapshot and log:new only. A connection that has joined
// no namespace within join_timeout is closed. A malformed packet (Engine.IO or Socket.IO, an
// event whose payload is not ["name", ...]) closes the connection.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "backend/events/event.h"
#include "backend/http/admin.h"
#include "backend/http/reply.h"
#include "backend/realtime/probe.h"

namespace tracehub::realtime {

class client;

// A client session as options' handlers see it, on the hub's strand: a handler may keep it
// and use it later from the strand (later()); once the session has closed it does nothing.
// What it sends is queued like the hub's own replies (control frames).
class peer {
 public:
  explicit peer(std::weak_ptr<client> c) : client_(std::move(c)) {}
  // An Engine.IO message packet: 4<text>.
  void send(std::string_view text) const;
  // A binary message (a WebSocket binary message; "b" + base64 in a polling payload).
  void send_binary(std::string_view bytes) const;
  // A Socket.IO EVENT on `nsp`; `args` is the JSON array ["name", ...]. With attachments, a
  // BINARY_EVENT whose placeholders ({"_placeholder":true,"num":i}) they fill, sent after it.
  void emit(std::string_view nsp, std::string_view args,
            std::span<const std::string> attachments = {}) const;
  // The answer to the client's event `id` on `nsp` (ACK, or BINARY_ACK with attachments).
  void ack(std::string_view nsp, std::uint64_t id, std::string_view args,
           std::span<const std::string> attachments = {}) const;
  // Calls `fn` with this peer on the hub's strand after `delay`, if the session is open then.
  void later(std::chrono::milliseconds delay, std::function<void(const peer&)> fn) const;

 private:
  std::weak_ptr<client> client_;
};

// An EVENT or BINARY_EVENT a client sent, for options::on_event.
struct socket_io_event {
  std::string_view nsp;
  std::string_view args;  // JSON array text ["name", ...], placeholders for attachments
  std::optional<std::uint64_t> ack_id;
  std::span<const std::string> attachments;
};

struct options {
  // Engine.IO heartbeat: the server pings every ping_interval and closes a client whose pong
  // has not come ping_timeout after the ping.
  std::chrono::milliseconds ping_interval{25'000};
  std::chrono::milliseconds ping_timeout{20'000};
  std::size_t max_payload = 1'000'000;  // largest message accepted from a client, in bytes
  // Per-client bound of queued event frames; when full, the oldest is dropped.
  std::size_t queue_frames = 256;
  // From this queue length on, a new ack:sent replaces the queued one of the same service.
  std::size_t coalesce_from = 16;
  // A client whose queue stays full this long is disconnected.
  std::chrono::milliseconds slow_client_limit{10'000};
  // log:new per client: `log_rate` a second (burst as large); skips reported every
  // skipped_interval while non-zero.
  double log_rate = 50;
  std::chrono::milliseconds skipped_interval{2'000};
  // metrics:snapshot: broadcast every snapshot_interval with the JSON `snapshot` returns.
  // Called on the io thread; must be quick. Empty: no snapshots.
  std::function<std::string()> snapshot;
  std::chrono::milliseconds snapshot_interval{2'000};
  // Null: no Host, Origin or token checks (tests of the protocol alone).
  std::shared_ptr<const http::admin_policy> access;
  bool public_read = false;  // TRACEHUB_PUBLIC_READ=1
  std::size_t max_clients = 1'000;
  // A connection that has joined no namespace within this is closed.
  std::chrono::milliseconds join_timeout{10'000};

  // Extension points (test servers; TraceHub keeps the defaults).
  // The path served, WebSocket upgrades and polling requests alike.
  std::string path = "/socket.io/";
  // A bare Engine.IO server: every message packet a client sends comes here (its text, or the
  // bytes of a binary message with `binary` set), no Socket.IO is spoken and no join is awaited.
  std::function<void(const peer&, std::string_view data, bool binary)> on_message;
  // Namespaces a client may join besides "/" (an unknown one gets "Invalid namespace").
  std::vector<std::string> namespaces;
  // A client joined `nsp` (called after the CONNECT reply is queued); `auth` is its CONNECT
  // payload as sent ("{}" when it sent none).
  std::function<void(const peer&, std::string_view nsp, std::string_view auth)> on_join;
  // The events of joined namespaces that the hub does not handle itself (all but "subscribe"
  // on "/"), binary ones with their attachments. With on_message or on_event set, the hub takes
  // binary messages; without, it ignores them (WebSocket) or refuses them (polling, 400).
  std::function<void(const peer&, const socket_io_event&)> on_event;
  // The WebSocket upgrade of a session that is upgrading or upgraded already: false answers
  // 400 `upgrade_refused`; true completes the WebSocket handshake and closes at once, as the
  // reference server does.
  bool close_duplicate_upgrades = false;
};

class hub {
 public:
  // Does no I/O; start() starts the timers.
  hub(boost::asio::io_context& io, options opts, std::shared_ptr<probe> counters);
  ~hub();
  hub(const hub&) = delete;
  hub& operator=(const hub&) = delete;

  void start();
  // Closes every client and stops the timers (posted to the hub's strand).
  void stop();

  // Takes over a WebSocket upgrade request received by the http server (any path). Only
  // /socket.io/?EIO=4&transport=websocket (options::path) becomes a session (with &sid=: the
  // upgrade of that polling session); anything else is answered with a JSON error (400 for other
  // protocol versions or transports, an unknown sid or a session upgrading already, 404 for other
  // paths, 421/403 for a foreign Host or Origin, 503 past max_clients) and closed.
  void accept(boost::asio::ip::tcp::socket&& socket, http::request&& req);

  // GET and POST /socket.io/?EIO=4&transport=polling[&sid=...]: the polling transport. Without
  // sid, a GET opens a session and answers its open packet; with it, a GET waits for frames
  // (long poll), a POST delivers the client's packets; other methods get 400. Errors are JSON
  // (400, 413, 503).
  boost::asio::awaitable<http::reply> poll(http::request& req);
  // The route guard of those requests: Host and Origin as for upgrades (421/403), and a POST
  // whose Content-Length exceeds max_payload (413), before its body is read.
  http::route_guard polling_guard() const;

  // Sends `42["name", payload]` to every client connected to "/" (log:new only to those whose
  // filter and rate limit let it through, filtered on the event's fields: nothing is parsed).
  // Any thread.
  void broadcast(const tracehub::events::event_ptr& event);

  const probe& counters() const;

 private:
  struct state;
  std::shared_ptr<state> state_;  // shared with the timer and session coroutines
};

}  // namespace tracehub::realtime
