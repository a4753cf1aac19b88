// query/page_plan.h — which statement serves a GET /logs page: the walk (sql::logs_page:
// newest first along the (ingested_at, id) order, partition after partition, filtering as it
// goes) or collect-then-sort (sql::logs_page_collected: the matching rows first, through
// whatever index serves the filters, then sorted and cut to the page). Both return the same
// rows.
//
// The planner cannot know that ts rises with the ingest order, so for a time window it always
// walks from the newest row; that reads everything newer than the window first, and when the window
// holds fewer matches than a page (a rare `q` inside it), everything older too. Here the rows each
// way would visit are weighed with the planner's own estimates (EXPLAIN of the window, of the
// rows after it, of all rows, of the matches), a few planner calls (about a millisecond) and
// only for pages with a time window and another filter. A window alone is always walked: the
// walk is bounded by the zones of logs_ts_zones (sql::zone_bound), so it starts at the window's
// newest rows and stops after a page. BENCHMARKS.md, "GET /logs on 10 M rows" and "Search on
// 10 M partitioned rows".
//
// Blocking: call it on the connection that then runs the page, from the query executor.
#pragma once

#include <string_view>

#include "backend/base/result.h"
#include "backend/pg/connection.h"
#include "backend/query/logs_params.h"

namespace tracehub::query {

// The statement for `p` (logs_statement's choice, then the weighing above). Errors: the
// planner calls' pg::errc.
result<std::string_view> page_statement(pg::connection& c, const logs_params& p);

// The rows each way would visit, from the estimates (exposed for tests and the benchmark):
// collect-then-sort is chosen when it visits fewer.
struct page_estimates {
  double window = 0;   // rows in the ts window
  double after = 0;    // rows newer than the window (ts >= to); 0 without `to`
  double all = 0;      // rows in logs
  double matches = 0;  // rows matching every filter
};
bool collect_first(const page_estimates& e, double limit);

}  // namespace tracehub::query
