// testing/socket_client.h — a Socket.IO client over the WebSocket transport, for tests and
// benchmarks that watch the real-time channel (docs/PROTOCOL.md, "Events") from C++: it joins
// "/", answers the server's pings, and hands every event to a callback, stamped with the moment
// its frame was read. Packets are read and written with realtime/protocol.h, their one owner.
//
// One thread per client runs the connection; the callback runs on it and must be quick.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace tracehub::testing {

class socket_client {
 public:
  using clock = std::chrono::steady_clock;
  // The event's name, its first argument (null when none) and when its frame was read.
  using handler = std::function<void(const std::string& name, const boost::json::value& arg,
                                     clock::time_point at)>;

  // Opens ws://127.0.0.1:<port>/socket.io/?EIO=4&transport=websocket and joins "/" with
  // `auth_json` as the CONNECT payload (empty: none). Throws std::runtime_error when the
  // upgrade or the join fails, or takes more than 10 s.
  socket_client(unsigned short port, handler on_event, std::string auth_json = {});
  ~socket_client();  // closes the connection and joins the thread
  socket_client(const socket_client&) = delete;
  socket_client& operator=(const socket_client&) = delete;

  // Sends 42["name",json_arg]; `json_arg` must be valid JSON text.
  void emit(std::string_view name, std::string_view json_arg);
  // False once the connection is gone (the server closed it, or it failed).
  bool open() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace tracehub::testing
