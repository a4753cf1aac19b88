// Engine.IO v4 / Socket.IO v5 packet texts, checked against the examples of the protocol
// documents (socket.io-protocol v5, engine.io-protocol v4) and what socket.io-client sends.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "realtime/protocol.h"

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

TEST(socket_io, session_ids_are_random_and_url_safe) {
  auto a = random_sid(), b = random_sid();
  EXPECT_EQ(a.size(), 20u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"),
            std::string::npos);
}

}  // namespace
}  // namespace tracehub::realtime::protocol
