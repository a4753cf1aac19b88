// realtime/protocol.h — Engine.IO v4 and Socket.IO v5 packets as text, without I/O.
//
// Over the WebSocket transport every WebSocket text message is exactly one Engine.IO packet:
// one type digit (0 open, 1 close, 2 ping, 3 pong, 4 message, 5 upgrade, 6 noop) and its data.
// A Socket.IO packet rides in an Engine.IO message: a type digit (0 CONNECT, 1 DISCONNECT,
// 2 EVENT, 3 ACK, 4 CONNECT_ERROR, 5 BINARY_EVENT, 6 BINARY_ACK), for binary types the
// attachment count and '-', the namespace followed by ',' unless it is "/", the ack id digits,
// then the JSON payload. So `42["log:new",{...}]` is an event on "/" and `44/admin,{...}` a
// refused connection to "/admin". The encoders return complete WebSocket message texts.
//
// Over the polling transport an HTTP body is a payload: Engine.IO packets, as above, joined by
// the record separator \x1e (docs/PROTOCOL.md, "Events"). Packet texts never hold a raw \x1e
// (JSON escapes control characters). A binary message travels as a "b" + base64 packet there
// (a WebSocket binary message over WebSocket); only a hub with a handler for binary data takes
// them (hub.h, options::on_message and on_event).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// 0{"sid":...,"upgrades":[],"pingInterval":...,"pingTimeout":...,"maxPayload":...};
// `upgradable` (a polling session) lists "websocket" in upgrades.
std::string open_packet(std::string_view sid, std::chrono::milliseconds ping_interval,
                        std::chrono::milliseconds ping_timeout, std::size_t max_payload,
                        bool upgradable = false);
inline constexpr std::string_view close_packet = "1";
inline constexpr std::string_view ping_packet = "2";
inline constexpr std::string_view pong_packet = "3";
inline constexpr std::string_view noop_packet = "6";
// The WebSocket upgrade of a polling session: the client probes with 2probe, the server
// answers 3probe, the client sends 5 once its polling has paused.
inline constexpr std::string_view probe_ping = "2probe";
inline constexpr std::string_view probe_pong = "3probe";
inline constexpr std::string_view upgrade_packet = "5";

// The separator between the packets of a polling payload.
inline constexpr char record_separator = '\x1e';

// Appends `packet` to the payload `out` (a separator first unless `out` is empty).
void append_to_payload(std::string& out, std::string_view packet);

enum class payload_error {
  none,
  too_large,           // more than max_bytes
  empty_packet,        // an empty body, or nothing between two separators
  unknown_type,        // a packet not starting with a type digit 0..6
  binary_unsupported,  // a "b<base64>" packet, where binary packets are not taken
  bad_base64,          // a "b" packet whose data is not padded base64
};

struct decoded_payload {
  std::vector<std::string_view> packets;  // views into the body; each starts with a type digit
  payload_error error = payload_error::none;
};

// Splits a polling POST body into its packets. On any error `packets` is empty: the body is
// taken whole or not at all. With `binary`, "b<base64>" packets are taken (their base64
// checked), else refused.
decoded_payload decode_payload(std::string_view body, std::size_t max_bytes, bool binary = false);

// Padded base64 (RFC 4648), as binary packets of a polling payload carry their data.
std::string encode_base64(std::string_view bytes);
// nullopt unless `text` is padded base64.
std::optional<std::string> decode_base64(std::string_view text);

// A sentence for logs and error replies.
std::string_view describe(payload_error e);

// 40{"sid":"..."} (with "/nsp," before the JSON for other namespaces).
std::string connect_reply(std::string_view nsp, std::string_view sid);
// 44{"message":"..."}
std::string connect_error(std::string_view nsp, std::string_view message);
// 42["name",payload] on "/"; `json_payload` must be valid JSON text (it is copied as is).
std::string event_packet(std::string_view name, std::string_view json_payload);
// 43<id>[args...]; `json_args` must be a JSON array text.
std::string ack_packet(std::string_view nsp, std::uint64_t id, std::string_view json_args);
// Any Socket.IO packet as an Engine.IO message text: 4, the type digit, for binary types
// "<attachments>-", the namespace and ',' unless it is "/", the ack id, the payload (copied as
// is). The inverse of decode_sio.
std::string encode_sio(sio_type type, std::string_view nsp, std::optional<std::uint64_t> ack_id,
                       std::size_t attachments, std::string_view payload);

// A random session id: 20 characters of [A-Za-z0-9_-].
std::string random_sid();

}  // namespace tracehub::realtime::protocol
