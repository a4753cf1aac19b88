// http/tests/raw_socket.h — a plain TCP socket for tests that must send exactly the bytes they
// mean (headers a client library would add, hide or fix), with a deadline on every read.
// Responses are parsed with Beast; WebSocket frames are encoded and decoded by hand.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace tracehub::testing {

using raw_response = boost::beast::http::response<boost::beast::http::string_body>;

class raw_socket {
 public:
  // Connects to 127.0.0.1:port; `receive_buffer` > 0 sets SO_RCVBUF first (a slow reader).
  // Throws std::runtime_error when the connection fails.
  explicit raw_socket(unsigned short port, int receive_buffer = 0);
  ~raw_socket();
  raw_socket(raw_socket&& other) noexcept;
  raw_socket& operator=(raw_socket&&) = delete;
  raw_socket(const raw_socket&) = delete;
  raw_socket& operator=(const raw_socket&) = delete;

  // Sends all of `bytes`; false when the peer has gone.
  bool send(std::string_view bytes);
  // Reads one HTTP response within `limit`; nullopt when the connection ends or time runs out
  // first.
  std::optional<raw_response> read_response(
      std::chrono::milliseconds limit = std::chrono::seconds(10));
  // Reads and discards until the peer closes (true) or `limit` passes (false); `bytes` gets
  // how many bytes were read.
  bool read_to_end(std::chrono::milliseconds limit, std::size_t* bytes = nullptr);

  // WebSocket, after a 101: sends `text` as one masked text frame.
  bool send_text_frame(std::string_view text);
  // The payload of the next text frame within `limit`; nullopt on a close frame, the end of
  // the connection or time running out.
  std::optional<std::string> read_text_frame(
      std::chrono::milliseconds limit = std::chrono::seconds(10));

  void close();

 private:
  // Appends what arrives within `until` to pending_; false on end of stream, error or time out.
  bool receive(std::chrono::steady_clock::time_point until);
  bool take(std::size_t n, std::string& out, std::chrono::steady_clock::time_point until);

  int fd_ = -1;
  std::string pending_;  // received, not yet consumed
};

// The bytes of a WebSocket upgrade request for Socket.IO on `host_header`, with
// `extra_headers` ("Name: value\r\n" lines) added.
std::string upgrade_request(std::string_view host_header, std::string_view extra_headers = "");

}  // namespace tracehub::testing
