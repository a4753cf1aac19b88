#include "backend/http/tests/raw_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>

namespace tracehub::testing {

namespace bhttp = boost::beast::http;
using clock = std::chrono::steady_clock;

raw_socket::raw_socket(unsigned short port, int receive_buffer) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) throw std::runtime_error("socket() failed");
  if (receive_buffer > 0)
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error("connect() failed");
  }
}

raw_socket::~raw_socket() {
  close();
}

raw_socket::raw_socket(raw_socket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), pending_(std::move(other.pending_)) {}

void raw_socket::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool raw_socket::send(std::string_view bytes) {
  while (!bytes.empty()) {
    auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool raw_socket::receive(clock::time_point until) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - clock::now());
  if (left.count() <= 0) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
  char buf[64 * 1024];
  auto n = ::recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) return false;
  pending_.append(buf, static_cast<std::size_t>(n));
  return true;
}

std::optional<raw_response> raw_socket::read_response(std::chrono::milliseconds limit) {
  auto until = clock::now() + limit;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(1ull << 30);
  parser.eager(true);
  for (;;) {
    while (!pending_.empty() && !parser.is_done()) {
      boost::beast::error_code ec;
      auto used = parser.put(boost::asio::buffer(pending_), ec);
      pending_.erase(0, used);
      if (ec == bhttp::error::need_more) break;
      if (ec) return std::nullopt;
      if (used == 0) break;
    }
    if (parser.is_done()) return parser.release();
    if (!receive(until)) {
      boost::beast::error_code ec;
      parser.put_eof(ec);
      if (!ec && parser.is_done()) return parser.release();
      return std::nullopt;
    }
  }
}

bool raw_socket::read_to_end(std::chrono::milliseconds limit, std::size_t* bytes) {
  auto until = clock::now() + limit;
  std::size_t total = pending_.size();
  pending_.clear();
  char buf[64 * 1024];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - clock::now());
    if (bytes) *bytes = total;
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      if (bytes) *bytes = total;
      return true;  // end of stream or reset: the server is gone either way
    }
    total += static_cast<std::size_t>(n);
  }
}

bool raw_socket::send_text_frame(std::string_view text) {
  std::string frame;
  frame += static_cast<char>(0x81);  // FIN, text
  if (text.size() < 126) {
    frame += static_cast<char>(0x80 | text.size());
  } else {
    frame += static_cast<char>(0x80 | 126);
    frame += static_cast<char>((text.size() >> 8) & 0xff);
    frame += static_cast<char>(text.size() & 0xff);
  }
  frame.append(4, '\0');  // a zero mask key: the payload goes as is
  frame += text;
  return send(frame);
}

bool raw_socket::take(std::size_t n, std::string& out, clock::time_point until) {
  while (pending_.size() < n)
    if (!receive(until)) return false;
  out = pending_.substr(0, n);
  pending_.erase(0, n);
  return true;
}

std::optional<std::string> raw_socket::read_text_frame(std::chrono::milliseconds limit) {
  auto until = clock::now() + limit;
  for (;;) {
    std::string head;
    if (!take(2, head, until)) return std::nullopt;
    int opcode = static_cast<unsigned char>(head[0]) & 0x0f;
    std::size_t length = static_cast<unsigned char>(head[1]) & 0x7f;
    std::string ext;
    if (length == 126 || length == 127) {
      if (!take(length == 126 ? 2 : 8, ext, until)) return std::nullopt;
      length = 0;
      for (char c : ext)
        length = (length << 8) | static_cast<unsigned char>(c);
    }
    std::string payload;
    if (!take(length, payload, until)) return std::nullopt;
    if (opcode == 0x8) return std::nullopt;  // close
    if (opcode == 0x1) return payload;
    // ping, pong, binary, continuation: not sent by this server to a fresh client; skip
  }
}

std::string upgrade_request(std::string_view host_header, std::string_view extra_headers) {
  std::string r = "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: ";
  r += host_header;
  r += "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
  r += extra_headers;
  r += "\r\n";
  return r;
}

}  // namespace tracehub::testing
