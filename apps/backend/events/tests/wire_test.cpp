// events/wire.h: what encode() writes, decode() reads back field for field; anything else is
// refused.
#include <gtest/gtest.h>

#include <vector>

#include "backend/events/wire.h"

namespace tracehub::events {
namespace {

queue::log_entry sample_entry() {
  queue::log_entry e;
  e.service = "payment-service";
  e.seq = 42;
  e.level = "error";
  e.message = "tab\there \\ \"quoted\"\nnext line";
  e.request_id = "r-1";
  e.ts = "2026-11-24T10:00:00.000000Z";
  e.attrs = R"({"k":"v\tw"})";
  return e;
}

TEST(events_wire, events_read_back_as_written) {
  std::vector<event_ptr> in{log_new(sample_entry()),
                            make("ack:sent", R"({"service":"s","ackTill":3})", "s"),
                            make("worker:crashed", R"({"workerId":"w-1"})")};
  auto text = wire::encode("host-1-abc", in);
  auto m = wire::decode(text);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->origin, "host-1-abc");
  ASSERT_EQ(m->events.size(), 3u);
  const auto& l = *m->events[0];
  EXPECT_EQ(l.name, "log:new");
  EXPECT_EQ(l.service, "payment-service");
  EXPECT_EQ(l.level, "error");
  EXPECT_EQ(l.seq, 42);
  ASSERT_TRUE(l.log);
  EXPECT_EQ(l.log->message, sample_entry().message);
  EXPECT_EQ(l.log->attrs, sample_entry().attrs);
  EXPECT_EQ(*l.payload, *in[0]->payload);  // the same LogEntry JSON on both sides
  EXPECT_EQ(m->events[1]->service, "s");
  EXPECT_EQ(*m->events[1]->payload, R"({"service":"s","ackTill":3})");
  EXPECT_EQ(m->events[2]->name, "worker:crashed");
  EXPECT_EQ(*m->events[2]->payload, R"({"workerId":"w-1"})");
}

TEST(events_wire, anything_else_is_refused) {
  auto good = wire::encode("o", std::vector<event_ptr>{make("x", "{}")});
  ASSERT_TRUE(wire::decode(good));
  for (std::string_view bad : {
           "",                               // nothing
           "4:tev2",                         // other magic
           "4:tev11:o",                      // no event
           "4:tev11:o1:x0:0:1:0",            // a field short (body missing)
           "4:tev11:o1:x0:0:1:099:{}",       // length past the end
           "4:tev11:o1:x0:0:1:a2:{}",        // seq not a number
           "4:tev11:o0:0:0:1:02:{}",         // empty name
           "4:tev11:o1: 0:0:1:02:{}",        // a name with a space
           "4:tev11:o1:x0:0:1:00:",          // empty payload
           "4:tev11:o7:log:new0:0:1:02:{}",  // log:new whose body is not a row
           "4:tev101:o1:x0:0:1:02:{}",       // a length with a leading zero
           "4:tev10:1:x0:0:1:02:{}",         // empty origin
       })
    EXPECT_FALSE(wire::decode(bad)) << bad;
}

TEST(events_wire, log_new_whose_fields_disagree_with_its_row_is_refused) {
  auto text = wire::encode("o", std::vector<event_ptr>{log_new(sample_entry())});
  auto pos = text.find("5:error");
  ASSERT_NE(pos, std::string::npos);
  text.replace(pos, 7, "5:fatal");
  EXPECT_FALSE(wire::decode(text));
}

TEST(events_wire, channel_names_the_database) {
  EXPECT_EQ(wire::channel(0), "tracehub:events:0");
  EXPECT_NE(wire::channel(3), wire::channel(4));
}

}  // namespace
}  // namespace tracehub::events
