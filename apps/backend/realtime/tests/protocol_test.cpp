// Engine.IO v4 / Socket.IO v5 packet texts, checked against the examples of the protocol
// documents (socket.io-protocol v5, engine.io-protocol v4) and what socket.io-client sends.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <boost/json/parse.hpp>

#include "backend/realtime/protocol.h"

namespace tracehub::realtime::protocol {
namespace {

using namespace std::chrono_literals;

TEST(engine_io, open_packet_carries_the_handshake) {
  auto text = open_packet("abc", 25000ms, 20000ms, 1000000);
  ASSERT_EQ(text[0], '0');
  auto v = boost::json::parse(text.substr(1)).as_object();
  EXPECT_EQ(v.at("sid").as_string(), "abc");
  EXPECT_TRUE(v.at("upgrades").as_array().empty());
  EXPECT_EQ(v.at("pingInterval").as_int64(), 25000);
  EXPECT_EQ(v.at("pingTimeout").as_int64(), 20000);
  EXPECT_EQ(v.at("maxPayload").as_int64(), 1000000);
}

TEST(engine_io, a_polling_session_offers_the_websocket_upgrade) {
  auto text = open_packet("abc", 25000ms, 20000ms, 1000000, true);
  auto v = boost::json::parse(text.substr(1)).as_object();
  ASSERT_EQ(v.at("upgrades").as_array().size(), 1u);
  EXPECT_EQ(v.at("upgrades").as_array()[0].as_string(), "websocket");
}

TEST(engine_io, packets_decode_by_their_type_digit) {
  auto pong = decode_eio("3");
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->type, eio_type::pong);
  EXPECT_TRUE(pong->data.empty());
  auto msg = decode_eio("42[\"a\"]");
  ASSERT_TRUE(msg);
  EXPECT_EQ(msg->type, eio_type::message);
  EXPECT_EQ(msg->data, "2[\"a\"]");
  EXPECT_FALSE(decode_eio(""));
  EXPECT_FALSE(decode_eio("7"));
  EXPECT_FALSE(decode_eio("x"));
}

TEST(socket_io, connect_to_the_main_namespace) {
  auto p = decode_sio("0");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type, sio_type::connect);
  EXPECT_EQ(p->nsp, "/");
  EXPECT_TRUE(p->payload.empty());
  auto with_auth = decode_sio("0{\"token\":\"x\"}");
  ASSERT_TRUE(with_auth);
  EXPECT_EQ(with_auth->nsp, "/");
  EXPECT_EQ(with_auth->payload, "{\"token\":\"x\"}");
}

TEST(socket_io, namespace_ack_id_and_payload_are_split) {
  auto p = decode_sio("2/admin,12[\"subscribe\",{}]");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type, sio_type::event);
  EXPECT_EQ(p->nsp, "/admin");
  ASSERT_TRUE(p->ack_id);
  EXPECT_EQ(*p->ack_id, 12u);
  EXPECT_EQ(p->payload, "[\"subscribe\",{}]");

  auto connect_other = decode_sio("0/admin,");
  ASSERT_TRUE(connect_other);
  EXPECT_EQ(connect_other->nsp, "/admin");
  EXPECT_TRUE(connect_other->payload.empty());

  auto no_id = decode_sio("2[\"x\",1]");
  ASSERT_TRUE(no_id);
  EXPECT_FALSE(no_id->ack_id);
}

TEST(socket_io, binary_packets_need_an_attachment_count) {
  auto p = decode_sio("51-[\"x\",{\"_placeholder\":true,\"num\":0}]");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type, sio_type::binary_event);
  EXPECT_EQ(p->attachments, 1u);
  EXPECT_FALSE(decode_sio("5[\"x\"]"));
  EXPECT_FALSE(decode_sio("50-[\"x\"]"));
}

TEST(socket_io, malformed_packets_are_refused) {
  EXPECT_FALSE(decode_sio(""));
  EXPECT_FALSE(decode_sio("9"));
  EXPECT_FALSE(decode_sio("299999999999999999999999[\"x\"]"));  // ack id overflows
}

TEST(socket_io, event_payload_gives_name_and_first_argument) {
  auto e = parse_event("[\"subscribe\",{\"service\":\"a\"},2]");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->name, "subscribe");
  EXPECT_EQ(e->arg.as_object().at("service").as_string(), "a");
  auto bare = parse_event("[\"ping\"]");
  ASSERT_TRUE(bare);
  EXPECT_TRUE(bare->arg.is_null());
  EXPECT_FALSE(parse_event("[]"));
  EXPECT_FALSE(parse_event("[1]"));
  EXPECT_FALSE(parse_event("{\"a\":1}"));
  EXPECT_FALSE(parse_event("[\"x\""));
}

TEST(socket_io, encoders_write_the_documented_texts) {
  EXPECT_EQ(connect_reply("/", "s1"), "40{\"sid\":\"s1\"}");
  EXPECT_EQ(connect_error("/", "Invalid namespace"), "44{\"message\":\"Invalid namespace\"}");
  EXPECT_EQ(connect_error("/admin", "Invalid namespace"),
            "44/admin,{\"message\":\"Invalid namespace\"}");
  EXPECT_EQ(event_packet("log:new", "{\"seq\":1}"), "42[\"log:new\",{\"seq\":1}]");
  EXPECT_EQ(event_packet("we\"ird", "1"), "42[\"we\\\"ird\",1]");
  EXPECT_EQ(ack_packet("/", 7, "[{\"ok\":true}]"), "437[{\"ok\":true}]");
  EXPECT_EQ(ack_packet("/admin", 7, "[]"), "43/admin,7[]");
}

TEST(socket_io, encoded_packets_decode_back) {
  auto text = event_packet("ack:sent", "{\"service\":\"a\"}");
  auto eio = decode_eio(text);
  ASSERT_TRUE(eio);
  ASSERT_EQ(eio->type, eio_type::message);
  auto sio = decode_sio(eio->data);
  ASSERT_TRUE(sio);
  EXPECT_EQ(sio->type, sio_type::event);
  auto call = parse_event(sio->payload);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->name, "ack:sent");
  EXPECT_EQ(call->arg.as_object().at("service").as_string(), "a");
}

// The polling payload: the engine.io-protocol v4 example `4hello\x1e4€` and what
// socket.io-client posts (a CONNECT, a pong and an event in one body).
TEST(payload, packets_are_joined_by_the_record_separator) {
  std::string out;
  append_to_payload(out, "4hello");
  append_to_payload(out, "4\xe2\x82\xac");
  EXPECT_EQ(out,
            "4hello\x1e"
            "4\xe2\x82\xac");
  std::string one;
  append_to_payload(one, "6");
  EXPECT_EQ(one, "6");  // a single packet has no separator

  auto d = decode_payload(
      "40{\"token\":\"t\"}\x1e"
      "3\x1e"
      "42[\"subscribe\",{}]",
      1000);
  ASSERT_EQ(d.error, payload_error::none);
  ASSERT_EQ(d.packets.size(), 3u);
  EXPECT_EQ(d.packets[0], "40{\"token\":\"t\"}");
  EXPECT_EQ(d.packets[1], "3");
  EXPECT_EQ(d.packets[2], "42[\"subscribe\",{}]");
}

TEST(payload, encoded_payloads_decode_back) {
  std::vector<std::string> packets = {"0{\"sid\":\"x\"}", "2",
                                      "42[\"log:new\",{\"m\":\"a\\u001eb\"}]",
                                      event_packet("ack:sent", "{\"service\":\"s\"}"), "6"};
  std::string body;
  for (const auto& p : packets)
    append_to_payload(body, p);
  auto d = decode_payload(body, body.size());
  ASSERT_EQ(d.error, payload_error::none);
  ASSERT_EQ(d.packets.size(), packets.size());
  for (std::size_t i = 0; i < packets.size(); ++i)
    EXPECT_EQ(d.packets[i], packets[i]);
}

TEST(payload, binary_packets_are_refused) {
  auto d = decode_payload("bAQIDBA==", 1000);
  EXPECT_EQ(d.error, payload_error::binary_unsupported);
  EXPECT_TRUE(d.packets.empty());
  auto mixed = decode_payload(
      "4text\x1e"
      "bAQIDBA==",
      1000);
  EXPECT_EQ(mixed.error, payload_error::binary_unsupported);
  EXPECT_TRUE(mixed.packets.empty());  // taken whole or not at all
}

TEST(payload, binary_packets_are_taken_when_asked_for) {
  auto d = decode_payload(
      "4hello\x1e"
      "bAQIDBA==",
      1000, true);
  EXPECT_EQ(d.error, payload_error::none);
  ASSERT_EQ(d.packets.size(), 2u);
  EXPECT_EQ(d.packets[1], "bAQIDBA==");
  EXPECT_EQ(decode_payload("b", 1000, true).packets.size(), 1u);  // an empty binary message
  for (auto bad : {"bAQIDBA=", "bAQ=DBA==", "bA===", "bAQ*D", "bAQIDBA==="})
    EXPECT_EQ(decode_payload(bad, 1000, true).error, payload_error::bad_base64) << bad;
  EXPECT_TRUE(decode_payload("4x\x1e"
                             "b!!!!",
                             1000, true)
                  .packets.empty());  // taken whole or not at all
}

TEST(payload, base64_round_trips_every_length) {
  std::string bytes;
  for (int n = 0; n < 40; ++n) {
    auto text = encode_base64(bytes);
    EXPECT_EQ(text.size() % 4, 0u);
    EXPECT_EQ(decode_base64(text), bytes) << text;
    bytes += static_cast<char>(n * 37);
  }
  EXPECT_EQ(encode_base64(std::string("\x01\x02\x03\x04", 4)), "AQIDBA==");
  EXPECT_EQ(decode_base64("AQID"), std::string("\x01\x02\x03", 3));
  EXPECT_FALSE(decode_base64("AQI"));
  EXPECT_FALSE(decode_base64("A\x1eID"));
}

TEST(socket_io, any_packet_encodes_as_it_decodes) {
  EXPECT_EQ(encode_sio(sio_type::event, "/", std::nullopt, 0, R"(["auth",{}])"),
            R"(42["auth",{}])");
  EXPECT_EQ(encode_sio(sio_type::event, "/custom", std::nullopt, 0, R"(["auth",{}])"),
            R"(42/custom,["auth",{}])");
  EXPECT_EQ(encode_sio(sio_type::ack, "/", 456, 0, R"([1,"2"])"), R"(43456[1,"2"])");
  auto binary = encode_sio(sio_type::binary_ack, "/", 789, 2,
                           R"([{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");
  EXPECT_EQ(binary, R"(462-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");
  auto p = decode_sio(std::string_view(binary).substr(1));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type, sio_type::binary_ack);
  EXPECT_EQ(p->attachments, 2u);
  EXPECT_EQ(p->ack_id, 789u);
  auto text = encode_sio(sio_type::binary_event, "/x", 7, 1, "[\"a\"]");  // e views it
  auto e = decode_sio(std::string_view(text).substr(1));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->nsp, "/x");
  EXPECT_EQ(e->attachments, 1u);
  EXPECT_EQ(e->ack_id, 7u);
  EXPECT_EQ(e->payload, "[\"a\"]");
}

TEST(payload, malformed_payloads_are_refused) {
  EXPECT_EQ(decode_payload("", 1000).error, payload_error::empty_packet);
  EXPECT_EQ(decode_payload("\x1e", 1000).error, payload_error::empty_packet);
  EXPECT_EQ(decode_payload("2\x1e", 1000).error, payload_error::empty_packet);
  EXPECT_EQ(decode_payload("\x1e"
                           "2",
                           1000)
                .error,
            payload_error::empty_packet);
  EXPECT_EQ(decode_payload("3\x1e\x1e"
                           "3",
                           1000)
                .error,
            payload_error::empty_packet);
  EXPECT_EQ(decode_payload("7", 1000).error, payload_error::unknown_type);
  EXPECT_EQ(decode_payload("3\x1ex", 1000).error, payload_error::unknown_type);
  EXPECT_FALSE(describe(payload_error::unknown_type).empty());
}

TEST(payload, the_limit_is_max_payload_bytes) {
  std::string body = "4" + std::string(99, 'a');  // 100 bytes
  EXPECT_EQ(decode_payload(body, 100).error, payload_error::none);
  EXPECT_EQ(decode_payload(body, 99).error, payload_error::too_large);
  std::string many;
  for (int i = 0; i < 50; ++i)
    append_to_payload(many, "3");  // 99 bytes with separators
  EXPECT_EQ(decode_payload(many, 99).packets.size(), 50u);
  append_to_payload(many, "3");
  EXPECT_EQ(decode_payload(many, 99).error, payload_error::too_large);
  EXPECT_TRUE(decode_payload(many, 99).packets.empty());
}

TEST(socket_io, session_ids_are_random_and_url_safe) {
  auto a = random_sid(), b = random_sid();
  EXPECT_EQ(a.size(), 20u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"),
            std::string::npos);
}

}  // namespace
}  // namespace tracehub::realtime::protocol
