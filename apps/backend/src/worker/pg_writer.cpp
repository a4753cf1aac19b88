#include "worker/pg_writer.h"

#include <map>

#include "pg/errc.h"
#include "worker/logger.h"
#include "worker/sql.h"

namespace tracehub::worker {

namespace {

// A Postgres array literal of plain tokens (services, batch ids and numbers hold no quotes,
// commas, braces or backslashes: ingest validated them).
class array_literal {
 public:
  void add(std::string_view token) {
    text_ += text_.empty() ? "{" : ",";
    text_ += token;
  }
  void add(std::int64_t n) { add(std::to_string(n)); }
  std::string str() const { return text_.empty() ? "{}" : text_ + "}"; }

 private:
  std::string text_;
};

status insert_gaps(pg::connection& c, const std::vector<entry>& entries) {
  array_literal services, froms, tos, batches;
  bool any = false;
  for (const auto& e : entries)
    for (const auto& g : e.gaps) {
      services.add(e.service), froms.add(g.lo), tos.add(g.hi), batches.add(e.batch_id);
      any = true;
    }
  if (!any) return {};
  std::string p[] = {services.str(), froms.str(), tos.str(), batches.str()};
  pg::param params[] = {p[0], p[1], p[2], p[3]};
  auto r = c.query(sql::insert_gaps, params);
  if (!r) return r.error();
  return {};
}

status upsert_ack_state(pg::connection& c, const std::vector<entry>& entries) {
  // The newest state per service (ON CONFLICT cannot touch one row twice in a statement).
  std::map<std::string_view, const entry*> latest;
  for (const auto& e : entries) {
    if (e.deleted) continue;
    auto& slot = latest[e.service];
    if (!slot || slot->version < e.version) slot = &e;
  }
  if (latest.empty()) return {};
  array_literal s, a, ct, m, b, t, v;
  for (const auto& [service, e] : latest) {
    s.add(service), a.add(e->ack_till), ct.add(e->contiguous_till), m.add(e->missing_total);
    b.add(e->batch_id), t.add(e->acked_at_ms), v.add(e->version);
  }
  std::string p[] = {s.str(), a.str(), ct.str(), m.str(), b.str(), t.str(), v.str()};
  pg::param params[] = {p[0], p[1], p[2], p[3], p[4], p[5], p[6]};
  auto r = c.query(sql::upsert_ack_state, params);
  if (!r) return r.error();
  return {};
}

std::string all_rows(const std::vector<entry>& entries) {
  std::size_t size = 0;
  for (const auto& e : entries)
    size += e.rows.size();
  std::string rows;
  rows.reserve(size);
  for (const auto& e : entries)
    rows += e.rows;
  return rows;
}

}  // namespace

status pg_writer::connect() {
  if (conn_ && conn_->ok()) return {};
  conn_.reset();
  auto c = pg::connection::open(url_, std::chrono::seconds(3));
  if (!c) return c.error();
  conn_.emplace(std::move(*c));
  return {};
}

result<std::int64_t> pg_writer::write(const std::vector<entry>& entries) {
  if (auto s = connect(); !s) return s.error();
  auto r = write_once(entries, false);
  if (!r && r.error() == pg::errc::conflict) {
    // Some rows are already stored: these entries were committed once and redelivered
    // (the worker died between COMMIT and XACK). Redo the transaction skipping them.
    log().info("rows already stored; re-applying {} entries with ON CONFLICT DO NOTHING",
               entries.size());
    r = write_once(entries, true);
  }
  if (!r && conn_ && !conn_->ok()) conn_.reset();
  return r;
}

result<std::int64_t> pg_writer::write_once(const std::vector<entry>& entries, bool through_stage) {
  auto& c = *conn_;
  auto fail = [&](error_code ec) -> result<std::int64_t> {
    if (c.ok()) {
      auto rolled_back = c.exec("ROLLBACK");
      if (!rolled_back) conn_.reset();  // cannot tell its state: start afresh next time
    }
    return ec;
  };
  std::string rows = all_rows(entries);
  std::int64_t inserted = 0;
  if (auto s = c.exec("BEGIN"); !s) return fail(s.error());
  if (!rows.empty()) {
    if (!through_stage) {
      if (auto s = c.copy_in(sql::copy_logs, rows); !s) return fail(s.error());
      for (const auto& e : entries)
        inserted += e.row_count;
    } else {
      if (auto s = c.exec(sql::create_stage); !s) return fail(s.error());
      if (auto s = c.copy_in(sql::copy_stage, rows); !s) return fail(s.error());
      auto r = c.query("WITH ins AS (" + std::string(sql::insert_from_stage) +
                       " RETURNING 1) SELECT count(*) FROM ins");
      if (!r) return fail(r.error());
      inserted = r->get_int(0, 0);
    }
  }
  if (auto s = insert_gaps(c, entries); !s) return fail(s.error());
  if (auto s = upsert_ack_state(c, entries); !s) return fail(s.error());
  if (auto s = c.exec("COMMIT"); !s) return fail(s.error());
  return inserted;
}

}  // namespace tracehub::worker
