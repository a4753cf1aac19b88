// realtime/protocol.h — Engine.IO v4 and Socket.IO v5 packets as text, without I/O.
//
// Over the WebSocket transport every WebSocket text message is exactly one Engine.IO packet:
// one type digit (0 open, 1 close, 2 ping, 3 pong, 4 message, 5 upgrade, 6 noop) and its data.
// A Socket.IO packet rides in an Engine.IO message: a type digit (0 CONNECT, 1 DISCONNECT,
// 2 EVENT, 3 ACK, 4 CONNECT_ERROR, 5 BINARY_EVENT, 6 BINARY_ACK), for binary types the
// attachment count and '-', the namespace followed by ',' unless it is "/", the ack id digits,
// then the JSON payload. So `42["log:new",{...}]` is an event on "/" and `44/admin,{...}` a
// refused connection to "/admin". The encoders return complete WebSocket message texts.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace tracehub::realtime::protocol {

enum class eio_type : char {
  open = '0',
  close = '1',
  ping = '2',
  pong = '3',
  message = '4',
  upgrade = '5',
  noop = '6',
};

enum class sio_type : char {
  connect = '0',
  disconnect = '1',
  event = '2',
  ack = '3',
  connect_error = '4',
  binary_event = '5',
  binary_ack = '6',
};

struct eio_packet {
  eio_type type;
  std::string_view data;  // a view into the decoded text
};

struct sio_packet {
  sio_type type = sio_type::connect;
  std::string_view nsp = "/";
  std::optional<std::uint64_t> ack_id;
  std::size_t attachments = 0;  // binary types only
  std::string_view payload;     // JSON text, possibly empty; a view into the decoded text
};

// nullopt for an empty text or an unknown type digit.
std::optional<eio_packet> decode_eio(std::string_view text);

// Decodes the data of an Engine.IO message packet. nullopt when the type digit is unknown,
// a binary type lacks its "<n>-" attachment count, the namespace does not start with '/', or
// an ack id overflows. The payload is not parsed (see parse_event).
std::optional<sio_packet> decode_sio(std::string_view data);

// An EVENT payload `["name", arg?, ...]`: the name and the first argument (null when absent).
struct event_call {
  std::string name;
  boost::json::value arg;
};
// nullopt unless the payload is a JSON array whose first element is a string.
std::optional<event_call> parse_event(std::string_view payload);

// 0{"sid":...,"upgrades":[],"pingInterval":...,"pingTimeout":...,"maxPayload":...}
std::string open_packet(std::string_view sid, std::chrono::milliseconds ping_interval,
                        std::chrono::milliseconds ping_timeout, std::size_t max_payload);
inline constexpr std::string_view ping_packet = "2";
inline constexpr std::string_view pong_packet = "3";

// 40{"sid":"..."} (with "/nsp," before the JSON for other namespaces).
std::string connect_reply(std::string_view nsp, std::string_view sid);
// 44{"message":"..."}
std::string connect_error(std::string_view nsp, std::string_view message);
// 42["name",payload] on "/"; `json_payload` must be valid JSON text (it is copied as is).
std::string event_packet(std::string_view name, std::string_view json_payload);
// 43<id>[args...]; `json_args` must be a JSON array text.
std::string ack_packet(std::string_view nsp, std::uint64_t id, std::string_view json_args);

// A random session id: 20 characters of [A-Za-z0-9_-].
std::string random_sid();

}  // namespace tracehub::realtime::protocol
