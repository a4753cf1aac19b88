// Fuzzes the polling transport's payload codec (realtime/protocol.h: decode_payload,
// append_to_payload), the parser of every polling POST body.
//
// The input is a POST body. Properties:
//  - decode_payload accepts exactly the bodies within the limit whose \x1e-separated parts are
//    all non-empty and start with a type digit 0..6; too_large exactly when over the limit,
//    binary_unsupported / unknown_type / empty_packet by the first offending part;
//  - on error no packet is returned; on success the packets are views into the body, in order,
//    hold no separator, each decodes as an Engine.IO packet, and joined again with
//    append_to_payload they give the body back byte for byte;
//  - the limit is exact: with max_bytes = size the answer is the same as unbounded, with
//    size - 1 it is too_large.
// The same bytes, cut into packets at each separator, also drive the encoder: packets written
// with append_to_payload decode back to themselves.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "backend/realtime/protocol.h"
#include "check.h"

namespace tracehub::fuzz {
namespace {

namespace p = realtime::protocol;

constexpr std::size_t unbounded = std::size_t{1} << 30;

bool within(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

// The expected verdict, written from the definition rather than from the parser.
p::payload_error expected(std::string_view body) {
  std::size_t start = 0;
  for (;;) {
    auto end = body.find(p::record_separator, start);
    auto part =
        body.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (part.empty()) return p::payload_error::empty_packet;
    if (part[0] == 'b') return p::payload_error::binary_unsupported;
    if (part[0] < '0' || part[0] > '6') return p::payload_error::unknown_type;
    if (end == std::string_view::npos) return p::payload_error::none;
    start = end + 1;
  }
}

void check_decoder(std::string_view body) {
  auto d = p::decode_payload(body, unbounded);
  FUZZ_CHECK(d.error == expected(body), "the verdict follows the payload definition");
  FUZZ_CHECK(d.error != p::payload_error::too_large, "nothing is too large without a limit");
  if (d.error != p::payload_error::none) {
    FUZZ_CHECK(d.packets.empty(), "a refused payload yields no packet");
  } else {
    std::string joined;
    const char* last = body.data();
    for (auto packet : d.packets) {
      FUZZ_CHECK(within(packet, body) && packet.data() >= last, "packets are ordered views");
      last = packet.data() + packet.size();
      FUZZ_CHECK(packet.find(p::record_separator) == std::string_view::npos,
                 "a packet holds no separator");
      FUZZ_CHECK(p::decode_eio(packet).has_value(), "each packet is an Engine.IO packet");
      p::append_to_payload(joined, packet);
    }
    FUZZ_CHECK(joined == body, "the packets joined again give the body back");
  }
  auto exact = p::decode_payload(body, body.size());
  FUZZ_CHECK(exact.error == d.error && exact.packets.size() == d.packets.size(),
             "a body of exactly max_bytes is taken as if unbounded");
  if (!body.empty()) {
    auto over = p::decode_payload(body, body.size() - 1);
    FUZZ_CHECK(over.error == p::payload_error::too_large && over.packets.empty(),
               "a body over max_bytes is too_large, with no packet");
  }
}

void check_encoder(std::string_view body) {
  // Every valid part of the body becomes a packet to encode.
  std::vector<std::string> packets;
  std::size_t start = 0;
  for (;;) {
    auto end = body.find(p::record_separator, start);
    auto part =
        body.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (!part.empty() && part[0] >= '0' && part[0] <= '6') packets.emplace_back(part);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  if (packets.empty()) return;
  std::string payload;
  for (const auto& packet : packets)
    p::append_to_payload(payload, packet);
  auto d = p::decode_payload(payload, payload.size());
  FUZZ_CHECK(d.error == p::payload_error::none && d.packets.size() == packets.size(),
             "an encoded payload decodes to as many packets");
  for (std::size_t i = 0; i < packets.size(); ++i)
    FUZZ_CHECK(d.packets[i] == packets[i], "an encoded payload decodes to its packets");
}

}  // namespace
}  // namespace tracehub::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  tracehub::fuzz::check_decoder(body);
  tracehub::fuzz::check_encoder(body);
  return 0;
}
