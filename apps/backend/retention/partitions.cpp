#include "backend/retention/partitions.h"

#include <algorithm>
#include <vector>

#include "backend/pg/errc.h"
#include "backend/retention/logger.h"
#include "backend/retention/sql.h"

namespace tracehub::retention {

namespace {

// Partition names come from logs_add_partitions (logs_<date>t<time>) or the migration
// (logs_legacy); anything else is left alone rather than quoted into a statement.
bool plain_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
  });
}

// Detaches `name` (concurrently, or finalizes a detach under way), then records and drops it.
result<int> finish(pg::connection& c, const std::string& name) {
  if (!plain_name(name)) {
    log().error("not removing partition '{}': unexpected name", name);
    return make_error_code(pg::errc::server);
  }
  pg::param p[] = {name};
  auto state = c.query(sql::partition_state, p);
  if (!state) return state.error();
  if (state->size() == 1) {
    std::string detach = "ALTER TABLE logs DETACH PARTITION " + name +
                         (state->get(0, 0) == "t" ? " FINALIZE" : " CONCURRENTLY");
    if (auto s = c.exec(sql::detach_timeout); !s) return s.error();
    auto detached = c.exec(detach);
    if (auto s = c.exec(sql::no_timeout); !s) return s.error();
    if (!detached) return detached.error();
  }
  auto dropped = c.query(sql::drop_detached, p);
  if (!dropped) return dropped.error();
  if (auto z = c.exec(sql::drop_expired_zones); !z) return z.error();
  return static_cast<int>(dropped->get_int(0, 0));
}

result<drop_report> drop_locked(pg::connection& c, const policy& pol) {
  drop_report out;
  auto unfinished = c.query(sql::unfinished);
  if (!unfinished) return unfinished.error();
  std::vector<std::string> names;
  for (std::size_t i = 0; i < unfinished->size(); ++i)
    names.emplace_back(unfinished->get(i, 0));
  for (const auto& name : names) {
    log().info("finishing the removal of chunk {}", name);
    auto n = finish(c, name);
    if (!n) return n.error();
    ++out.chunks;
    out.services += *n;
  }
  if (pol.keeps_everything()) return out;
  std::string period = std::to_string(pol.period.count());
  pg::param pp[] = {period};
  auto expired = c.query(sql::expired, pp);
  if (!expired) return expired.error();
  for (std::size_t i = 0; i < expired->size(); ++i) {
    std::string name(expired->get(i, 0)), end(expired->get(i, 1));
    pg::param p[] = {name, end};
    if (auto r = c.query(sql::begin_drop, p); !r) return r.error();
    auto n = finish(c, name);
    if (!n) return n.error();
    log().info("removed chunk {} (ingested before {} ms): {} services' seqs expired", name, end,
               *n);
    ++out.chunks;
    out.services += *n;
  }
  return out;
}

}  // namespace

result<std::int64_t> cover(pg::connection& c, const policy& p, std::int64_t until_ms) {
  std::string chunk = std::to_string(p.chunk.count()), until = std::to_string(until_ms);
  pg::param params[] = {chunk, until};
  auto r = c.query(sql::cover, params);
  if (!r) return r.error();
  return r->get_int(0, 0);
}

result<drop_report> drop_expired(pg::connection& c, const policy& p) {
  auto locked = c.query(sql::try_lock);
  if (!locked) return locked.error();
  if (locked->get(0, 0) != "t") return drop_report{.skipped = true};
  auto out = drop_locked(c, p);
  // Ignored: the lock is the session's; a broken connection releases it anyway.
  if (c.ok()) (void)c.query(sql::unlock);
  return out;
}

}  // namespace tracehub::retention
