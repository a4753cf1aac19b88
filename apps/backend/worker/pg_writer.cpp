#include "backend/worker/pg_writer.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <utility>

#include "backend/pg/array_literal.h"
#include "backend/pg/errc.h"
#include "backend/queue/copy_binary.h"
#include "backend/queue/copy_row.h"
#include "backend/retention/partitions.h"
#include "backend/worker/logger.h"
#include "backend/worker/sql.h"

namespace tracehub::worker {

namespace {

status insert_gaps(pg::connection& c, const std::vector<entry>& entries) {
  pg::array_literal services, froms, tos, batches;
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
  // Entries re-queued from dead_letters carry no ACK state (version 0).
  std::map<std::string_view, const entry*> latest;
  for (const auto& e : entries) {
    if (e.deleted || e.version == 0) continue;
    auto& slot = latest[e.service];
    if (!slot || slot->version < e.version) slot = &e;
  }
  if (latest.empty()) return {};
  pg::array_literal s, a, ct, m, b, t, v;
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

std::int64_t count_rows(std::string_view rows) {
  return std::count(rows.begin(), rows.end(), '\n');
}

// The rows of `e` whose dead letters this transaction claims (sql::claim_dead_letters).
result<std::string> claim_dead_letters(pg::connection& c, const entry& e) {
  pg::array_literal seqs;
  queue::for_each_row(e.rows, [&](std::string_view row) { seqs.add(queue::row_seq(row)); });
  std::string s = seqs.str();
  pg::param params[] = {e.service, s};
  auto claimed = c.query(sql::claim_dead_letters, params);
  if (!claimed) return claimed.error();
  std::set<std::int64_t> mine;
  for (std::size_t i = 0; i < claimed->size(); ++i)
    mine.insert(claimed->get_int(i, 0));
  std::string rows;
  queue::for_each_row(e.rows, [&](std::string_view row) {
    if (mine.contains(queue::row_seq(row))) rows += row;
  });
  return rows;
}

// What one entry stores: its queue rows (all of them, or for an entry re-queued from
// dead_letters only the rows it claims) and the ingested_at they are stored with.
struct entry_rows {
  const entry* from = nullptr;  // nullptr: nothing to store
  std::optional<std::string> claimed;
  std::string_view rows() const { return claimed ? std::string_view(*claimed) : from->rows; }
};

// What each entry stores, parallel to `entries`: nothing for an entry queued before retention's
// horizon (counted in out.expired, its highest seq recorded in logs_expired), and for an entry
// re-queued from dead_letters only the rows it claims.
result<std::vector<entry_rows>> stored_rows(pg::connection& c, const std::vector<entry>& entries,
                                            write_outcome& out) {
  auto h = c.query(sql::expired_before);
  if (!h) return h.error();
  std::optional<std::int64_t> horizon;
  if (h->size() == 1 && !h->is_null(0, 0)) horizon = h->get_int(0, 0);
  std::vector<entry_rows> stored(entries.size());
  pg::array_literal expired_services, expired_seqs;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    if (e.deleted || e.rows.empty()) continue;
    if (horizon && e.acked_at_ms < *horizon) {
      std::int64_t top = 0;
      queue::for_each_row(e.rows,
                          [&](std::string_view row) { top = std::max(top, queue::row_seq(row)); });
      expired_services.add(e.service), expired_seqs.add(top);
      out.expired += e.row_count;
      out.expired_entries.push_back(i);
      continue;
    }
    stored[i].from = &e;
    if (!e.from_dead_letters) continue;
    auto claimed = claim_dead_letters(c, e);
    if (!claimed) return claimed.error();
    stored[i].claimed = std::move(*claimed);
  }
  if (!out.expired_entries.empty()) {
    std::string p[] = {expired_services.str(), expired_seqs.str()};
    pg::param params[] = {p[0], p[1]};
    if (auto r = c.query(sql::record_expired, params); !r) return r.error();
  }
  return stored;
}

// The stored rows as COPY text of queue::stored_columns, one string per entry (parallel to
// `stored`).
std::vector<std::string> text_rows(const std::vector<entry_rows>& stored) {
  std::vector<std::string> out(stored.size());
  for (std::size_t i = 0; i < stored.size(); ++i)
    if (stored[i].from)
      queue::append_stored_rows(out[i], stored[i].rows(),
                                queue::ingested_at_text(stored[i].from->acked_at_ms));
  return out;
}

std::string all_rows(const std::vector<std::string>& stored) {
  std::size_t size = 0;
  for (const auto& r : stored)
    size += r.size();
  std::string rows;
  rows.reserve(size);
  for (const auto& r : stored)
    rows += r;
  return rows;
}

// The stored rows as one binary COPY stream of queue::stored_columns (queue/copy_binary.h), and
// how many rows it holds; nullopt when a row is not of the queue's form (the caller sends text,
// and Postgres judges it). An entry stored whole takes its rows from `rendered` when given.
std::optional<std::pair<std::string, std::int64_t>> binary_rows(
    const std::vector<entry_rows>& stored, const rendered_rows* rendered) {
  std::size_t size = 0;
  for (const auto& s : stored)
    if (s.from) size += s.rows().size() + 16 * static_cast<std::size_t>(s.from->row_count + 1);
  std::pair<std::string, std::int64_t> out;
  out.first.reserve(size + 32);
  queue::append_binary_header(out.first);
  for (std::size_t i = 0; i < stored.size(); ++i) {
    const auto& s = stored[i];
    if (!s.from) continue;
    const auto rows = s.rows();
    if (rendered && !s.claimed && (*rendered)[i]) {
      out.first += *(*rendered)[i];
    } else if (const char* why = queue::append_binary_rows(out.first, rows, s.from->acked_at_ms)) {
      log().warn("a row of {} is not of the queue's form ({}); sending this group as COPY text",
                 s.from->service, why);
      return std::nullopt;
    }
    out.second += count_rows(rows);
  }
  queue::append_binary_trailer(out.first);
  return out;
}

std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 0xf];
  }
  return out;
}

// Postgres' message for the last failure, on one line.
std::string reason_of(const pg::connection& c, error_code ec) {
  std::string r = c.last_error().empty() ? ec.message() : c.last_error();
  while (!r.empty() && (r.back() == '\n' || r.back() == ' '))
    r.pop_back();
  for (auto& ch : r)
    if (ch == '\n' || ch == '\t') ch = ' ';
  return r;
}

struct row_ref {
  const entry* from;
  std::string_view text;  // one COPY row with its newline
};

// Stores the rows of `rows` that Postgres takes, under savepoints, and collects the ones it
// refuses into `out.dead` (with the row itself in `dead_rows`). A chunk that fails is rolled
// back to its savepoint and halved, until a refused row stands alone. Returns an error only
// when the failure is not the rows' (connection lost, or transient and not isolated).
class isolator {
 public:
  isolator(pg::connection& c, bool isolate_transient, write_outcome& out)
      : c_(c), isolate_transient_(isolate_transient), out_(out) {}

  status store(std::span<const row_ref> rows) {
    if (rows.empty()) return {};
    if (auto s = c_.exec(sql::savepoint); !s) return s;
    auto n = copy_chunk(rows);
    if (n) {
      out_.inserted += *n;
      return c_.exec(sql::release_savepoint);
    }
    auto ec = n.error();
    if (!c_.ok() || (pg::is_transient(ec) && !isolate_transient_)) return ec;
    auto reason = reason_of(c_, ec);
    if (auto s = c_.exec(sql::rollback_to_savepoint); !s) return s;
    if (rows.size() == 1) {
      out_.dead.push_back({rows[0].from->service, queue::row_seq(rows[0].text), reason});
      dead_rows.push_back(rows[0].text);
      return {};
    }
    auto half = rows.size() / 2;
    if (auto s = store(rows.first(half)); !s) return s;
    return store(rows.subspan(half));
  }

  std::vector<std::string_view> dead_rows;  // parallel to out.dead

 private:
  result<std::int64_t> copy_chunk(std::span<const row_ref> rows) {
    std::string data;
    for (const auto& r : rows)
      data += r.text;
    if (auto s = c_.copy_in(sql::copy_stage, data); !s) return s.error();
    auto n = c_.query(sql::insert_from_stage_counted);
    if (!n) return n.error();
    if (auto s = c_.exec(sql::clear_stage); !s) return s.error();
    return n->get_int(0, 0);
  }

  pg::connection& c_;
  bool isolate_transient_;
  write_outcome& out_;
};

status record_dead_letters(pg::connection& c, const write_outcome& out,
                           const std::vector<std::string_view>& rows) {
  for (std::size_t i = 0; i < out.dead.size(); ++i) {
    const auto& d = out.dead[i];
    std::string seq = std::to_string(d.seq), data = hex(queue::queue_row_of(rows[i]));
    pg::param params[] = {d.service, seq, data, d.reason};
    if (auto r = c.query(sql::record_dead_letter, params); !r) return r.error();
  }
  return {};
}

}  // namespace

rendered_rows render(const std::vector<entry>& entries) {
  rendered_rows out(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    if (e.deleted || e.rows.empty()) continue;
    std::string rows;
    rows.reserve(e.rows.size() + 16 * static_cast<std::size_t>(e.row_count));
    if (queue::append_binary_rows(rows, e.rows, e.acked_at_ms) == nullptr) out[i] = std::move(rows);
  }
  return out;
}

status pg_writer::connect() {
  if (conn_ && conn_->ok()) return {};
  conn_.reset();
  auto c = pg::connection::open(url_, std::chrono::seconds(3), "tracehub-worker");
  if (!c) return c.error();
  conn_.emplace(std::move(*c));
  return {};
}

bool pg_writer::reachable() {
  if (!connect()) return false;
  if (conn_->exec("SELECT 1")) return true;
  if (!conn_->ok()) conn_.reset();
  return false;
}

// Entries carry the time they were queued; the maintainer makes partitions ahead of it, and
// this makes one on the spot when an entry is newer still (the maintainer fell behind, or the
// clocks of two hosts disagree).
status pg_writer::cover(const std::vector<entry>& entries) {
  std::int64_t latest = 0;
  for (const auto& e : entries)
    if (!e.deleted) latest = std::max(latest, e.acked_at_ms);
  if (latest < covered_until_ms_) return {};
  auto covered = retention::cover(*conn_, partitions_, latest + 1);
  if (!covered) return covered.error();
  covered_until_ms_ = *covered;
  return {};
}

result<write_outcome> pg_writer::write(const std::vector<entry>& entries, bool isolate_transient,
                                       const rendered_rows* rendered) {
  if (auto s = connect(); !s) return s.error();
  if (auto s = cover(entries); !s) {
    if (!conn_->ok()) conn_.reset();
    return s.error();
  }
  auto r = write_once(entries, mode::fast, isolate_transient, rendered);
  if (!r && r.error() == pg::errc::conflict) {
    // Some rows are already stored: these entries were committed once and redelivered
    // (the worker died between COMMIT and XACK). Redo the transaction skipping them.
    log().info("rows already stored; re-applying {} entries with ON CONFLICT DO NOTHING",
               entries.size());
    r = write_once(entries, mode::stage, isolate_transient, nullptr);
  }
  if (!r && conn_ && conn_->ok() && (!pg::is_transient(r.error()) || isolate_transient)) {
    log().warn("postgres refused the rows of {} entries ({}); isolating the refused rows",
               entries.size(), reason_of(*conn_, r.error()));
    r = write_once(entries, mode::isolate, isolate_transient, nullptr);
  }
  if (!r && conn_ && !conn_->ok()) conn_.reset();
  return r;
}

result<write_outcome> pg_writer::write_once(const std::vector<entry>& entries, mode m,
                                            bool isolate_transient, const rendered_rows* rendered) {
  auto& c = *conn_;
  auto fail = [&](error_code ec) -> result<write_outcome> {
    if (c.ok()) {
      auto rolled_back = c.exec("ROLLBACK");
      if (!rolled_back) conn_.reset();  // cannot tell its state: start afresh next time
    }
    return ec;
  };
  write_outcome out;
  if (auto s = c.exec("BEGIN"); !s) return fail(s.error());
  auto stored = stored_rows(c, entries, out);
  if (!stored) return fail(stored.error());
  // The fast path sends binary COPY (queue/copy_binary.h: Postgres parses no text for bigint
  // and timestamptz, splits no lines); the stage and isolation paths, rare, keep COPY text.
  std::optional<std::pair<std::string, std::int64_t>> binary;
  if (m == mode::fast) binary = binary_rows(*stored, rendered);
  if (binary) {
    if (binary->second > 0) {
      if (auto s = c.copy_in(sql::copy_logs_binary, binary->first); !s) return fail(s.error());
      out.inserted = binary->second;
    }
  } else if (m == mode::isolate) {
    const auto text = text_rows(*stored);
    std::vector<row_ref> rows;
    for (std::size_t i = 0; i < entries.size(); ++i)
      queue::for_each_row(text[i], [&](std::string_view row) {
        rows.push_back({&entries[i], row});
      });
    if (auto s = c.exec(sql::create_stage); !s) return fail(s.error());
    isolator iso(c, isolate_transient, out);
    if (auto s = iso.store(rows); !s) return fail(s.error());
    if (auto s = record_dead_letters(c, out, iso.dead_rows); !s) return fail(s.error());
  } else if (std::string rows = all_rows(text_rows(*stored)); !rows.empty()) {
    if (m == mode::fast) {
      if (auto s = c.copy_in(sql::copy_logs, rows); !s) return fail(s.error());
      out.inserted = count_rows(rows);
    } else {
      if (auto s = c.exec(sql::create_stage); !s) return fail(s.error());
      if (auto s = c.copy_in(sql::copy_stage, rows); !s) return fail(s.error());
      auto r = c.query(sql::insert_from_stage_counted);
      if (!r) return fail(r.error());
      out.inserted = r->get_int(0, 0);
    }
  }
  if (auto s = insert_gaps(c, entries); !s) return fail(s.error());
  if (auto s = upsert_ack_state(c, entries); !s) return fail(s.error());
  if (auto s = c.exec("COMMIT"); !s) return fail(s.error());
  return out;
}

}  // namespace tracehub::worker
