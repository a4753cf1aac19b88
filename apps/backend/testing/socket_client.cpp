#include "backend/testing/socket_client.h"

#include <atomic>
#include <deque>
#include <stdexcept>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "backend/realtime/protocol.h"

namespace tracehub::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
namespace protocol = realtime::protocol;

struct socket_client::impl {
  asio::io_context io;
  websocket::stream<beast::tcp_stream> ws{io};
  beast::flat_buffer buffer;
  handler on_event;
  std::deque<std::string> outbox;  // io thread only
  bool writing = false;            // io thread only
  std::atomic<bool> open{false};
  std::thread thread;

  std::string read_text() {
    buffer.consume(buffer.size());
    ws.read(buffer);
    return beast::buffers_to_string(buffer.data());
  }

  // Before the thread starts: upgrade, the open packet, CONNECT and its answer.
  void join(unsigned short port, const std::string& auth_json) {
    auto& tcp = beast::get_lowest_layer(ws);
    tcp.expires_after(std::chrono::seconds(10));
    tcp.connect({asio::ip::make_address("127.0.0.1"), port});
    ws.handshake("127.0.0.1:" + std::to_string(port), "/socket.io/?EIO=4&transport=websocket");
    auto first = read_text();
    auto opened = protocol::decode_eio(first);
    if (!opened || opened->type != protocol::eio_type::open)
      throw std::runtime_error("socket_client: expected the open packet, got " + first);
    ws.write(asio::buffer("40" + auth_json));
    for (;;) {
      auto text = read_text();
      auto p = protocol::decode_eio(text);
      if (!p || p->type != protocol::eio_type::message) continue;  // a ping or noop first
      auto s = protocol::decode_sio(p->data);
      if (s && s->type == protocol::sio_type::connect) break;
      throw std::runtime_error("socket_client: join refused: " + text);
    }
    tcp.expires_never();
    open = true;
  }

  void read() {
    buffer.consume(buffer.size());
    ws.async_read(buffer, [this](beast::error_code ec, std::size_t) {
      if (ec) {
        open = false;
        return;
      }
      const auto at = clock::now();
      handle(beast::buffers_to_string(buffer.data()), at);
      read();
    });
  }

  void handle(const std::string& text, clock::time_point at) {
    auto p = protocol::decode_eio(text);
    if (!p) return;
    if (p->type == protocol::eio_type::ping) {
      send(std::string(protocol::pong_packet));
      return;
    }
    if (p->type != protocol::eio_type::message) return;
    auto s = protocol::decode_sio(p->data);
    if (!s || s->type != protocol::sio_type::event) return;
    if (auto call = protocol::parse_event(s->payload)) on_event(call->name, call->arg, at);
  }

  void send(std::string text) {
    outbox.push_back(std::move(text));
    if (!writing) write_next();
  }

  void write_next() {
    writing = true;
    ws.async_write(asio::buffer(outbox.front()), [this](beast::error_code ec, std::size_t) {
      outbox.pop_front();
      writing = false;
      if (!ec && !outbox.empty()) write_next();
    });
  }
};

socket_client::socket_client(unsigned short port, handler on_event, std::string auth_json)
    : impl_(std::make_unique<impl>()) {
  impl_->on_event = std::move(on_event);
  try {
    impl_->join(port, auth_json);
  } catch (const beast::system_error& e) {
    throw std::runtime_error("socket_client: " + std::string(e.what()));
  }
  impl_->read();
  impl_->thread = std::thread([i = impl_.get()] { i->io.run(); });
}

socket_client::~socket_client() {
  asio::post(impl_->io, [i = impl_.get()] {
    beast::error_code ec;
    beast::get_lowest_layer(i->ws).socket().close(ec);  // ends the read, and with it run()
  });
  impl_->thread.join();
}

void socket_client::emit(std::string_view name, std::string_view json_arg) {
  asio::post(impl_->io,
             [i = impl_.get(), text = protocol::event_packet(name, json_arg)] { i->send(text); });
}

bool socket_client::open() const {
  return impl_->open;
}

}  // namespace tracehub::testing
