#include "backend/realtime/protocol.h"

#include <limits>
#include <random>

#include <boost/beast/core/detail/base64.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include "backend/base/json_parse.h"

namespace tracehub::realtime::protocol {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Reads the decimal digits at the front of `s` into `out`; false on overflow.
bool take_number(std::string_view& s, std::uint64_t& out, std::size_t& digits) {
  out = 0;
  digits = 0;
  while (digits < s.size() && is_digit(s[digits])) {
    auto d = static_cast<std::uint64_t>(s[digits] - '0');
    if (out > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return false;
    out = out * 10 + d;
    ++digits;
  }
  s.remove_prefix(digits);
  return true;
}

void append_nsp(std::string& out, std::string_view nsp) {
  if (nsp.empty() || nsp == "/") return;
  out += nsp;
  out += ',';
}

std::string json_string(std::string_view s) {
  return boost::json::serialize(boost::json::string(s));
}

}  // namespace

std::optional<eio_packet> decode_eio(std::string_view text) {
  if (text.empty() || text[0] < '0' || text[0] > '6') return std::nullopt;
  return eio_packet{static_cast<eio_type>(text[0]), text.substr(1)};
}

std::optional<sio_packet> decode_sio(std::string_view data) {
  if (data.empty() || data[0] < '0' || data[0] > '6') return std::nullopt;
  sio_packet p;
  p.type = static_cast<sio_type>(data[0]);
  data.remove_prefix(1);
  std::uint64_t n = 0;
  std::size_t digits = 0;
  if (p.type == sio_type::binary_event || p.type == sio_type::binary_ack) {
    if (!take_number(data, n, digits) || digits == 0 || n == 0 || data.empty() || data[0] != '-')
      return std::nullopt;
    p.attachments = static_cast<std::size_t>(n);
    data.remove_prefix(1);
  }
  if (!data.empty() && data[0] == '/') {
    auto comma = data.find(',');
    p.nsp = data.substr(0, comma);
    data.remove_prefix(comma == std::string_view::npos ? data.size() : comma + 1);
  }
  if (!take_number(data, n, digits)) return std::nullopt;
  if (digits > 0) p.ack_id = n;
  p.payload = data;
  return p;
}

std::optional<event_call> parse_event(std::string_view payload) {
  boost::system::error_code ec;
  auto v = parse_json(payload, ec);
  if (ec || !v.is_array()) return std::nullopt;
  auto& a = v.as_array();
  if (a.empty() || !a[0].is_string()) return std::nullopt;
  event_call call{std::string(a[0].as_string()), nullptr};
  if (a.size() > 1) call.arg = std::move(a[1]);
  return call;
}

std::string open_packet(std::string_view sid, std::chrono::milliseconds ping_interval,
                        std::chrono::milliseconds ping_timeout, std::size_t max_payload,
                        bool upgradable) {
  std::string out = "0{\"sid\":";
  out += json_string(sid);
  out += upgradable ? ",\"upgrades\":[\"websocket\"],\"pingInterval\":"
                    : ",\"upgrades\":[],\"pingInterval\":";
  out += std::to_string(ping_interval.count());
  out += ",\"pingTimeout\":";
  out += std::to_string(ping_timeout.count());
  out += ",\"maxPayload\":";
  out += std::to_string(max_payload);
  out += '}';
  return out;
}

void append_to_payload(std::string& out, std::string_view packet) {
  if (!out.empty()) out += record_separator;
  out += packet;
}

decoded_payload decode_payload(std::string_view body, std::size_t max_bytes, bool binary) {
  decoded_payload out;
  auto fail = [&](payload_error e) {
    out.packets.clear();
    out.error = e;
    return out;
  };
  if (body.size() > max_bytes) return fail(payload_error::too_large);
  for (;;) {
    auto end = body.find(record_separator);
    auto packet = body.substr(0, end);
    if (packet.empty()) return fail(payload_error::empty_packet);
    if (packet[0] == 'b') {
      if (!binary) return fail(payload_error::binary_unsupported);
      if (!decode_base64(packet.substr(1))) return fail(payload_error::bad_base64);
      out.packets.push_back(packet);
    } else if (packet[0] < '0' || packet[0] > '6') {
      return fail(payload_error::unknown_type);
    } else {
      out.packets.push_back(packet);
    }
    if (end == std::string_view::npos) return out;
    body.remove_prefix(end + 1);
  }
}

// Beast's codec (the one its WebSocket handshake uses) does the work; it stops at the first
// character outside the alphabet, so the checks around it make it strict.
std::string encode_base64(std::string_view bytes) {
  namespace b64 = boost::beast::detail::base64;
  std::string out(b64::encoded_size(bytes.size()), '\0');
  out.resize(b64::encode(out.data(), bytes.data(), bytes.size()));
  return out;
}

std::optional<std::string> decode_base64(std::string_view text) {
  namespace b64 = boost::beast::detail::base64;
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=')
    ++padding;
  std::string out(b64::decoded_size(text.size()), '\0');
  auto [written, read] = b64::decode(out.data(), text.data(), text.size());
  if (read != text.size() - padding) return std::nullopt;
  out.resize(written);
  return out;
}

std::string_view describe(payload_error e) {
  switch (e) {
    case payload_error::none:
      return "a valid payload";
    case payload_error::too_large:
      return "the payload exceeds maxPayload";
    case payload_error::empty_packet:
      return "the payload holds an empty packet";
    case payload_error::unknown_type:
      return "a packet does not start with an Engine.IO type digit";
    case payload_error::binary_unsupported:
      return "binary packets are not served";
    case payload_error::bad_base64:
      return "a binary packet is not padded base64";
  }
  return "an unknown payload error";
}

std::string connect_reply(std::string_view nsp, std::string_view sid) {
  std::string out = "40";
  append_nsp(out, nsp);
  out += "{\"sid\":";
  out += json_string(sid);
  out += '}';
  return out;
}

std::string connect_error(std::string_view nsp, std::string_view message) {
  std::string out = "44";
  append_nsp(out, nsp);
  out += "{\"message\":";
  out += json_string(message);
  out += '}';
  return out;
}

std::string event_packet(std::string_view name, std::string_view json_payload) {
  std::string out;
  out.reserve(name.size() + json_payload.size() + 8);
  out += "42[";
  out += json_string(name);
  out += ',';
  out += json_payload;
  out += ']';
  return out;
}

std::string ack_packet(std::string_view nsp, std::uint64_t id, std::string_view json_args) {
  std::string out = "43";
  append_nsp(out, nsp);
  out += std::to_string(id);
  out += json_args;
  return out;
}

std::string encode_sio(sio_type type, std::string_view nsp, std::optional<std::uint64_t> ack_id,
                       std::size_t attachments, std::string_view payload) {
  std::string out = "4";
  out += static_cast<char>(type);
  if (type == sio_type::binary_event || type == sio_type::binary_ack) {
    out += std::to_string(attachments);
    out += '-';
  }
  append_nsp(out, nsp);
  if (ack_id) out += std::to_string(*ack_id);
  out += payload;
  return out;
}

std::string random_sid() {
  static constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string sid(20, ' ');
  for (auto& c : sid)
    c = alphabet[rng() % alphabet.size()];
  return sid;
}

}  // namespace tracehub::realtime::protocol
