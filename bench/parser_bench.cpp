// tracehub-parser-bench: ingest::batch_parser::parse on realistic bodies (bench/workload.h),
// the CPU the backend spends per batch before the Redis round trip.
//   build/release/bench/tracehub-parser-bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include "backend/ingest/batch_parser.h"
#include "bench/workload.h"

namespace {

using tracehub::bench::batch_body;
using tracehub::ingest::batch_parser;
using tracehub::ingest::parsed_batch;

// One batch of state.range(0) entries parsed per iteration. The body is copied each time (the
// parser pads it in place, as the handler does with the request body); the copy is timed, as the
// backend pays for it too when Beast hands over the body.
void parse_batch(benchmark::State& state) {
  const auto entries = state.range(0);
  const std::string body = batch_body("payment-service", 1'000'000, entries);
  batch_parser parser(tracehub::ingest::limits{});
  std::size_t row_bytes = 0;
  for (auto _ : state) {
    std::string copy = body;
    auto parsed = parser.parse(copy, 1'700'000'000'000);
    auto* batch = std::get_if<parsed_batch>(&parsed);
    if (batch == nullptr) {
      state.SkipWithError("the parser refused the benchmark body");
      return;
    }
    row_bytes = batch->rows.size();
    benchmark::DoNotOptimize(batch->rows.data());
  }
  state.SetItemsProcessed(state.iterations() * entries);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
  state.counters["body_bytes"] = static_cast<double>(body.size());
  state.counters["copy_bytes"] = static_cast<double>(row_bytes);
}
BENCHMARK(parse_batch)->Arg(500)->Arg(50)->Unit(benchmark::kMicrosecond);

// The generator alone, to subtract from the end-to-end client's CPU.
void generate_body(benchmark::State& state) {
  const auto entries = state.range(0);
  std::int64_t first = 1;
  for (auto _ : state) {
    auto body = batch_body("payment-service", first, entries);
    benchmark::DoNotOptimize(body.data());
    first += entries;
  }
  state.SetItemsProcessed(state.iterations() * entries);
}
BENCHMARK(generate_body)->Arg(500)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
