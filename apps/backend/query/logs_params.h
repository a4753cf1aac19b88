// query/logs_params.h — GET /logs's query string as the nine parameters of sql::logs_page.
//
// Pure functions, callable from any thread. The handler is their user; the benchmark
// (bench/logs_query_bench.cpp) calls them too, so it times the handler's exact statement with
// the handler's exact parameters.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tracehub::query {

// sql::logs_page's $1..$10 as text, in order; nullopt is SQL NULL. [7], [8]: the cursor
// (nextCursor "<µs>_<id>" read as the ingested_at and id of the previous page's last row);
// [9]: the page size.
using logs_params = std::vector<std::optional<std::string>>;

// A parameter the handler refuses with 400; `detail` is the message for the client.
struct bad_param {
  std::string detail;
};

// The statement for `p` as far as `p` alone tells: sql::logs_page_collected when p names a
// service and a seq range of at most sql::max_materialized_seqs seqs, else sql::logs_page. Both
// take `p` as it is. (query::page_statement, page_plan.h, also weighs time windows.)
std::string_view logs_statement(const logs_params& p);

// `target` is the request target ("/logs?service=a&level=error"); unknown parameters are
// ignored. Returns the parameters, or the first bad one.
std::variant<logs_params, bad_param> read_logs_params(std::string_view target);

}  // namespace tracehub::query
