// The generated traffic: entries the backend's own parser accepts, and the level mix the
// simulator promises (mostly info, 2-5 % error, rare fatal).
#include <array>
#include <map>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "backend/ingest/batch_parser.h"
#include "producer-simulator/traffic/generator.h"
#include "producer-simulator/traffic/render.h"

namespace tracehub::traffic {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t wall_ms = 1'764'000'000'123;

std::string batch_of(const std::string& service, const std::vector<std::string>& tails,
                     std::int64_t first_seq) {
  std::string b = "{\"service\":";
  append_json_string(b, service);
  b += ",\"batch\":[";
  for (std::size_t i = 0; i < tails.size(); ++i) {
    if (i) b += ',';
    b += render_entry(first_seq + static_cast<std::int64_t>(i), tails[i]);
  }
  return b + "]}";
}

TEST(render, tail_is_an_entry_without_its_opening_brace_and_seq) {
  log_event e;
  e.lvl = level::warn;
  e.message = "card.declined";
  e.request_id = "r-00000000002a";
  e.ts_ms = wall_ms;
  e.attrs.emplace_back("amount", 12.5);
  e.attrs.emplace_back("region", std::string("eu-west-1"));
  e.attrs.emplace_back("items", std::int64_t{3});
  e.attrs.emplace_back("mfa", true);
  auto tail = render_tail(e);
  EXPECT_EQ(tail, R"("level":"warn","message":"card.declined","requestId":"r-00000000002a",)"
                  R"("ts":"2025-11-24T16:00:00.123Z","attrs":{"amount":12.50,"region":"eu-west-1",)"
                  R"("items":3,"mfa":true}})");
  EXPECT_EQ(render_entry(7, tail), "{\"seq\":7," + tail);
}

TEST(render, strings_are_json_escaped) {
  std::string out;
  append_json_string(out, "a\"b\\c\nd\x01");
  EXPECT_EQ(out, R"("a\"b\\c\nd\u0001")");
}

TEST(render, timestamps_are_rfc3339_utc_with_milliseconds) {
  EXPECT_EQ(format_rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339_ms(951'825'600'007), "2000-02-29T12:00:00.007Z");
}

TEST(traffic, rendered_batches_of_every_profile_pass_the_backends_parser) {
  for (std::string service : {"payment-service", "auth-service", "order-service", "search-api"}) {
    traffic_generator g(service, {}, 42);
    std::vector<std::string> tails;
    for (int i = 0; i < 500; ++i)
      tails.push_back(render_tail(g.next_event(wall_ms + i)));
    auto body = batch_of(service, tails, 1000);
    ingest::batch_parser parser(ingest::limits{});
    auto r = parser.parse(body, wall_ms);
    if (auto* rej = std::get_if<ingest::rejection>(&r))
      FAIL() << service << ": " << rej->code << " " << rej->detail << " at "
             << (rej->index ? std::to_string(*rej->index) : "-");
    const auto& b = std::get<ingest::parsed_batch>(r);
    EXPECT_EQ(b.service, service);
    ASSERT_EQ(b.runs.size(), 1u);
    EXPECT_EQ(b.runs[0].lo, 1000);
    EXPECT_EQ(b.runs[0].hi, 1499);
    EXPECT_EQ(b.in_batch_duplicates, 0u);
  }
}

TEST(traffic, level_mix_over_10000_logs_is_within_bounds) {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    traffic_generator g("payment-service", {}, seed);
    std::map<level, int> counts;
    std::set<std::string_view> messages;
    for (int i = 0; i < 10'000; ++i) {
      auto e = g.next_event(wall_ms);
      ++counts[e.lvl];
      messages.insert(e.message);
      ASSERT_TRUE(e.request_id.starts_with("r-")) << e.request_id;
      ASSERT_FALSE(e.attrs.empty());
    }
    EXPECT_GT(counts[level::info], 7'000);  // mostly info
    EXPECT_GE(counts[level::error], 200);   // 2 % ..
    EXPECT_LE(counts[level::error], 500);   // .. 5 %
    EXPECT_GE(counts[level::fatal], 1);     // rare, but there
    EXPECT_LE(counts[level::fatal], 60);
    EXPECT_GE(counts[level::debug] + counts[level::warn], 1'000);  // some of both
    EXPECT_GE(counts[level::warn], 300);
    EXPECT_TRUE(messages.contains("charge.created"));
    EXPECT_TRUE(messages.contains("gateway.timeout"));
  }
}

TEST(traffic, rate_follows_the_clock_and_bursts_multiply_it) {
  traffic_options calm;
  calm.rate_eps = 100;
  calm.bursts = false;
  traffic_generator g("auth-service", calm, 7);
  auto t0 = steady::now();
  EXPECT_TRUE(g.generate_until(t0, wall_ms).empty());  // starts the clock
  std::size_t n = 0;
  for (int i = 1; i <= 100; ++i)  // 10 s in 100 ms steps
    n += g.generate_until(t0 + i * 100ms, wall_ms).size();
  EXPECT_EQ(n, 1000u);

  traffic_options bursty = calm;
  bursty.bursts = true;
  bursty.mean_burst_interval = 1s;
  traffic_generator b("auth-service", bursty, 7);
  b.generate_until(t0, wall_ms);
  std::size_t m = 0;
  bool saw_burst = false;
  for (int i = 1; i <= 100; ++i) {
    m += b.generate_until(t0 + i * 100ms, wall_ms).size();
    saw_burst = saw_burst || b.in_burst();
  }
  EXPECT_TRUE(saw_burst);
  EXPECT_GT(m, 2'000u);  // bursts of x5..x10 for most of the 10 s
}

}  // namespace
}  // namespace tracehub::traffic
