// realtime/client.h — one Socket.IO client session (internal to the hub).
//
// Everything here runs on the hub's strand: the session coroutine (WebSocket handshake, then a
// read loop), its writer coroutine, and the hub's calls to offer() and tick(). Outgoing frames
// wait in two queues: control frames (handshake, pings, replies; few, bounded) go first, then
// event frames (bounded by options::queue_frames, oldest dropped). Frames are shared, never
// copied per client.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "http/reply.h"
#include "realtime/hub.h"
#include "realtime/log_filter.h"
#include "realtime/probe.h"

namespace tracehub::realtime {

using frame_ptr = std::shared_ptr<const std::string>;
using strand = boost::asio::strand<boost::asio::io_context::executor_type>;

enum class event_kind { log_new, ack_sent, other };

// One broadcast, serialised once and shared by every client's queue.
struct outgoing_event {
  event_kind kind = event_kind::other;
  frame_ptr frame;
  std::string service, level, message;  // log:new: the filter's fields; ack:sent: service
  bool public_read = false;  // sent to clients that joined without the token (public_read)
};

class client : public std::enable_shared_from_this<client> {
 public:
  client(boost::asio::ip::tcp::socket socket, strand s, std::shared_ptr<const options> opts,
         std::shared_ptr<probe> counters);
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  // The session: WebSocket handshake answering `req`, the open packet, then reads until the
  // peer goes or close() is called. Holds `self` alive meanwhile.
  static boost::asio::awaitable<void> run(std::shared_ptr<client> self, http::request req);

  // Queues `e` if this client is connected to "/" and wants it (filter, rate limit).
  void offer(const outgoing_event& e, steady::time_point now);
  // Heartbeat, slow-client and log:skipped bookkeeping; called every few hundred ms.
  void tick(steady::time_point now);
  // Closes the socket at once; pending reads and writes end.
  void close();
  // The socket, for a client that never ran (refused before its session started).
  boost::asio::ip::tcp::socket release_socket();

 private:
  struct queued {
    frame_ptr frame;
    event_kind kind;
  };

  static boost::asio::awaitable<void> write_loop(std::shared_ptr<client> self);
  void on_text(std::string_view text);
  void on_socket_io(std::string_view data);
  void on_event(std::string_view payload, std::optional<std::uint64_t> ack_id);
  void on_connect(std::string_view auth_payload);
  void push_control(std::string text);
  void push_event(const outgoing_event& e);
  void wake_writer();

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  strand strand_;
  std::shared_ptr<const options> opts_;
  std::shared_ptr<probe> probe_;
  boost::asio::steady_timer wake_;  // the writer waits on it while both queues are empty
  std::string sid_;                 // Socket.IO session id of the "/" connection

  bool open_ = false;    // WebSocket handshake done, not closed
  bool closed_ = false;  // close() was called
  bool joined_ = false;  // connected to the namespace "/"
  bool ever_joined_ = false;
  // Gets every event (no token required, or the right one sent); false: public_read events.
  bool full_access_ = false;
  steady::time_point opened_at_{};

  std::deque<frame_ptr> control_;
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
