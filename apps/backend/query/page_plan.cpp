#include "backend/query/page_plan.h"

#include <algorithm>
#include <charconv>
#include <vector>

#include "backend/query/sql.h"

namespace tracehub::query {

namespace {

// The "rows=N" of EXPLAIN's first line.
result<double> estimate(pg::connection& c, std::string_view explain,
                        std::span<const pg::param> params) {
  auto r = c.query(explain, params);
  if (!r) return r.error();
  if (r->size() == 0) return 0.0;
  auto line = r->get(0, 0);
  auto at = line.find(" rows=");
  if (at == std::string_view::npos) return 0.0;
  double n = 0;
  auto digits = line.substr(at + 6);
  std::from_chars(digits.data(), digits.data() + digits.size(), n);
  return n;
}

bool has_filter_beyond_window(const logs_params& p) {
  // p[7] and p[8]: the cursor
  return (p[0] && !p[0]->empty()) || p[1] || (p[2] && !p[2]->empty()) || p[5] || p[6] || p[7];
}

}  // namespace

bool collect_first(const page_estimates& e, double limit) {
  // Walking from the newest row visits what is newer than the window, then window rows until a
  // page of matches is found (spread evenly, as the planner assumes); with fewer matches than
  // a page, it goes on to the oldest row.
  double walk = e.matches >= limit ? e.after + limit * e.window / std::max(e.matches, 1.0)
                                   : std::max(e.all, e.after + e.window);
  return e.window < walk;
}

result<std::string_view> page_statement(pg::connection& c, const logs_params& p) {
  auto plain = logs_statement(p);
  if (plain != sql::logs_page || (!p[3] && !p[4])) return plain;
  // A window and nothing else: the walk starts at the window's newest rows (without `to`, the
  // newest rows; with it, where sql::zone_bound says) and every row it then visits matches,
  // until the zones' first minute with an odd ts.
  if (!has_filter_beyond_window(p)) return plain;
  page_estimates e;
  auto param = [](const std::optional<std::string>& v) { return v ? pg::param(*v) : pg::param(); };
  pg::param window[] = {param(p[3]), param(p[4])};
  auto w = estimate(c, sql::estimate_window, window);
  if (!w) return w.error();
  e.window = *w;
  if (p[4]) {
    pg::param to[] = {*p[4]};
    auto a = estimate(c, sql::estimate_after, to);
    if (!a) return a.error();
    e.after = *a;
  }
  auto all = estimate(c, sql::estimate_all, {});
  if (!all) return all.error();
  e.all = *all;
  std::vector<pg::param> filters;
  for (std::size_t i = 0; i < 9; ++i)
    filters.push_back(param(p[i]));
  auto m = estimate(c, sql::estimate_matches, filters);
  if (!m) return m.error();
  e.matches = *m;
  double limit = 100;
  std::from_chars(p[9]->data(), p[9]->data() + p[9]->size(), limit);
  return collect_first(e, limit) ? std::string_view(sql::logs_page_collected) : plain;
}

}  // namespace tracehub::query
