// Fuzzes the Engine.IO / Socket.IO packet codec (realtime/protocol.h).
//
// The input is first a WebSocket text message as a client would send it:
//  - decode_eio accepts exactly the texts that start with a type digit, and its data is the
//    rest of the text;
//  - decode_sio's fields are views into its input, the namespace starts with '/' and holds no
//    ',', and a packet written back from those fields decodes to the same fields;
//  - parse_event never throws, a name it returns is the payload's first element, and the
//    argument it returns serializes to JSON that parse_json reads (no NaN or infinity from an
//    out-of-range number gets through).
// The same bytes then drive the encoders: ack_packet, connect_error, connect_reply and
// event_packet give texts that decode back to what was encoded.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <fuzzer/FuzzedDataProvider.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "backend/base/json_parse.h"
#include "backend/realtime/protocol.h"
#include "check.h"

namespace tracehub::fuzz {
namespace {

namespace p = realtime::protocol;

bool within(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

bool is_binary(p::sio_type t) {
  return t == p::sio_type::binary_event || t == p::sio_type::binary_ack;
}

// The packet text for `s`, written from its fields alone (Socket.IO v5 order). "/" is written
// out only when leaving it out would make the payload read as a namespace.
std::string encode_sio(const p::sio_packet& s) {
  std::string out(1, static_cast<char>(s.type));
  if (is_binary(s.type)) out += std::to_string(s.attachments) + "-";
  if (s.nsp != "/" || (!s.payload.empty() && s.payload[0] == '/')) {
    out += s.nsp;
    out += ',';
  }
  if (s.ack_id) out += std::to_string(*s.ack_id);
  out += s.payload;
  return out;
}

bool same(const p::sio_packet& a, const p::sio_packet& b) {
  return a.type == b.type && a.nsp == b.nsp && a.ack_id == b.ack_id &&
         a.attachments == b.attachments && a.payload == b.payload;
}

void check_decoders(std::string_view text) {
  auto eio = p::decode_eio(text);
  FUZZ_CHECK(eio.has_value() == (!text.empty() && text[0] >= '0' && text[0] <= '6'),
             "decode_eio accepts exactly the texts that start with a type digit");
  if (!eio) return;
  FUZZ_CHECK(static_cast<char>(eio->type) == text[0] && eio->data == text.substr(1),
             "an Engine.IO packet is its type digit and the rest");
  if (eio->type != p::eio_type::message) return;

  auto sio = p::decode_sio(eio->data);
  if (!sio) return;
  FUZZ_CHECK(within(sio->payload, eio->data), "the payload is a view into the packet");
  FUZZ_CHECK(sio->nsp == "/" || within(sio->nsp, eio->data), "the namespace is a view");
  FUZZ_CHECK(!sio->nsp.empty() && sio->nsp[0] == '/', "a namespace starts with '/'");
  FUZZ_CHECK(sio->nsp.find(',') == std::string_view::npos, "a namespace holds no ','");
  FUZZ_CHECK(!is_binary(sio->type) || sio->attachments > 0, "binary packets have attachments");

  const std::string again = encode_sio(*sio);
  auto back = p::decode_sio(again);
  FUZZ_CHECK(back && same(*back, *sio), "a packet written from its fields decodes the same");

  if (auto call = p::parse_event(sio->payload)) {
    boost::system::error_code ec;
    auto v = boost::json::parse(sio->payload, ec);
    FUZZ_CHECK(!ec && v.is_array() && v.as_array()[0].as_string() == call->name,
               "the event name is the payload's first element");
    // Valid JSON, not the same value: Boost.JSON 1.81 does not round a long mantissa
    // correctly, so a number can read back one unit in the last place away.
    parse_json(boost::json::serialize(call->arg), ec);
    FUZZ_CHECK(!ec, "the event argument serializes to JSON that parse_json reads");
  }
}

void check_encoders(FuzzedDataProvider& in) {
  std::string nsp = "/" + in.ConsumeRandomLengthString(16);
  if (nsp.find(',') != std::string::npos) nsp = "/";
  auto id = in.ConsumeIntegral<std::uint64_t>();
  std::string name = in.ConsumeRandomLengthString(32);
  std::string rest = in.ConsumeRemainingBytesAsString();

  // decode_sio returns views: each encoded text must outlive its packet.
  const std::string ack_text = p::ack_packet(nsp, id, "[" + std::to_string(id % 7) + "]");
  auto ack = p::decode_sio(std::string_view(ack_text).substr(1));
  FUZZ_CHECK(ack && ack->type == p::sio_type::ack && ack->nsp == nsp && ack->ack_id == id,
             "ack_packet decodes to its namespace and id");

  if (!valid_utf8(name)) return;  // JSON text cannot carry it
  const std::string refused_text = p::connect_error(nsp, name);
  auto refused = p::decode_sio(std::string_view(refused_text).substr(1));
  FUZZ_CHECK(refused && refused->type == p::sio_type::connect_error && refused->nsp == nsp,
             "connect_error decodes to its namespace");
  boost::system::error_code ec;
  auto reason = boost::json::parse(refused->payload, ec);
  FUZZ_CHECK(!ec && reason.as_object().at("message").as_string() == name,
             "connect_error carries its message");

  const std::string reply_text = p::connect_reply(nsp, name);
  auto reply = p::decode_sio(std::string_view(reply_text).substr(1));
  FUZZ_CHECK(reply && reply->type == p::sio_type::connect && reply->nsp == nsp,
             "connect_reply decodes to its namespace");
  auto sid = boost::json::parse(reply->payload, ec);
  FUZZ_CHECK(!ec && sid.as_object().at("sid").as_string() == name, "connect_reply carries sid");

  // event_packet copies its payload as is: only valid JSON may go in.
  auto payload = parse_json(rest, ec);
  if (ec) return;
  const std::string event_text = p::event_packet(name, rest);
  auto event = p::decode_sio(std::string_view(event_text).substr(1));
  FUZZ_CHECK(event && event->type == p::sio_type::event && event->nsp == "/" && !event->ack_id,
             "event_packet is an event on /");
  auto call = p::parse_event(event->payload);
  FUZZ_CHECK(call && call->name == name && call->arg == payload,
             "event_packet carries its name and payload");
}

}  // namespace
}  // namespace tracehub::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tracehub::fuzz::check_decoders(std::string_view(reinterpret_cast<const char*>(data), size));
  FuzzedDataProvider in(data, size);
  tracehub::fuzz::check_encoders(in);
  return 0;
}
