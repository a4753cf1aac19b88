#include "backend/replay/replay_worker.h"

#include <optional>

#include "backend/base/clock.h"
#include "backend/pg/array_literal.h"
#include "backend/pg/connection.h"
#include "backend/redis/sync_connection.h"
#include "backend/replay/buffer_reader.h"
#include "backend/replay/logger.h"
#include "backend/replay/sql.h"

namespace tracehub::replay {

namespace {

struct request {
  std::int64_t id;
  std::string service;
  std::int64_t from, to;
  bool manual;
  std::int64_t created_ms;
  std::int64_t attempts;
  std::int64_t recovered;
};

// What one attempt decided for a request.
struct verdict {
  enum { completed, postponed, failed } kind;
  std::int64_t recovered = 0;  // total over all attempts
  std::vector<queue::seq_range> lost;
};

std::int64_t count(const std::vector<queue::seq_range>& ranges) {
  std::int64_t n = 0;
  for (const auto& r : ranges)
    n += r.size();
  return n;
}

class pass_runner {
 public:
  explicit pass_runner(const options& opts) : opts_(opts) {}

  // One pass over the due requests; returns how many were handled.
  result<std::size_t> run_once(events::bus& bus) {
    if (auto s = connect(); !s) return s.error();
    auto& db = *pg_;
    if (auto s = db.exec("BEGIN"); !s) return fail(s.error());
    std::string limit = std::to_string(opts_.claim_count);
    pg::param p[] = {limit};
    auto rows = db.query(sql::claim_due, p);
    if (!rows) return fail(rows.error());
    std::vector<request> due;
    for (std::size_t i = 0; i < rows->size(); ++i)
      due.push_back({rows->get_int(i, 0), std::string(rows->get(i, 1)), rows->get_int(i, 2),
                     rows->get_int(i, 3), rows->get(i, 4) == "manual", rows->get_int(i, 5),
                     rows->get_int(i, 6), rows->get_int(i, 7)});
    std::vector<std::pair<request, verdict>> decided;
    for (const auto& req : due) {
      auto v = attempt(req);
      if (!v) return fail(v.error());
      if (auto s = record(req, *v); !s) return fail(s.error());
      decided.emplace_back(req, std::move(*v));
    }
    if (auto s = db.exec("COMMIT"); !s) return fail(s.error());
    for (const auto& [req, v] : decided)
      announce(bus, req, v);
    return due.size();
  }

 private:
  status connect() {
    if (!pg_ || !pg_->ok()) {
      pg_.reset();
      auto c = pg::connection::open(opts_.database_url, std::chrono::seconds(3));
      if (!c) return c.error();
      pg_.emplace(std::move(*c));
    }
    if (!redis_ || !redis_->ok()) {
      redis_.reset();
      auto c = redis::sync_connection::open(opts_.redis, std::chrono::seconds(5));
      if (!c) return c.error();
      redis_.emplace(std::move(*c), opts_.limits, opts_.queue);
    }
    return {};
  }

  result<std::size_t> fail(error_code ec) {
    if (pg_ && pg_->ok() && !pg_->exec("ROLLBACK")) pg_.reset();
    return ec;
  }

  result<verdict> attempt(const request& req) {
    verdict v{verdict::postponed, req.recovered, {}};
    auto missing = redis_->still_missing(req.service, req.from, req.to);
    if (!missing) return missing.error();
    if (!missing->empty() || req.manual) {
      // A manual request re-reads its whole range; an automatic one only what is missing.
      std::vector<queue::seq_range> wanted =
          req.manual ? std::vector<queue::seq_range>{{req.from, req.to}} : *missing;
      auto entries = redis_->read(req.service, wanted, opts_.max_entries_per_attempt);
      if (!entries) return entries.error();
      auto accepted = redis_->accept(req.service, *entries);
      if (!accepted) return accepted.error();
      if (accepted->queue_full) return v;  // the queue is full: try again later
      v.recovered += accepted->accepted;
      missing = redis_->still_missing(req.service, req.from, req.to);
      if (!missing) return missing.error();
    }
    if (missing->empty() || req.manual) {
      v.kind = verdict::completed;
      return v;
    }
    if (now_epoch_ms() - req.created_ms < opts_.deadline.count()) return v;
    auto lost = redis_->mark_lost(req.service, *missing);
    if (!lost) return lost.error();
    v.kind = verdict::failed;
    v.lost = std::move(*lost);
    return v;
  }

  status record(const request& req, const verdict& v) {
    std::string id = std::to_string(req.id), recovered = std::to_string(v.recovered);
    std::string latency = std::to_string(now_epoch_ms() - req.created_ms);
    switch (v.kind) {
      case verdict::completed: {
        pg::param p[] = {id, recovered, latency};
        return to_status(pg_->query(sql::complete, p));
      }
      case verdict::postponed: {
        std::string delay = std::to_string(backoff(req.attempts).count());
        pg::param p[] = {id, recovered, delay};
        return to_status(pg_->query(sql::postpone, p));
      }
      case verdict::failed: {
        std::string lost = std::to_string(count(v.lost));
        pg::param p[] = {id, recovered, lost, latency};
        if (auto s = to_status(pg_->query(sql::fail, p)); !s) return s;
        return record_lost(req, v.lost);
      }
    }
    return {};
  }

  status record_lost(const request& req, const std::vector<queue::seq_range>& lost) {
    if (lost.empty()) return {};
    pg::array_literal services, froms, tos, ids;
    for (const auto& r : lost) {
      services.add(req.service);
      froms.add(r.lo);
      tos.add(r.hi);
      ids.add(req.id);
    }
    std::string arrays[] = {services.str(), froms.str(), tos.str(), ids.str()};
    pg::param p[] = {arrays[0], arrays[1], arrays[2], arrays[3],
                     std::string_view("not in the producer's buffer before the deadline")};
    return to_status(pg_->query(sql::record_lost, p));
  }

  static status to_status(const result<pg::rows>& r) {
    if (!r) return r.error();
    return {};
  }

  std::chrono::milliseconds backoff(std::int64_t attempts) const {
    auto d = opts_.backoff_min * (std::int64_t{1} << std::min<std::int64_t>(attempts, 10));
    return std::min(d, opts_.backoff_max);
  }

  void announce(events::bus& bus, const request& req, const verdict& v) {
    if (v.kind == verdict::postponed) return;
    std::int64_t latency = now_epoch_ms() - req.created_ms;
    std::string common = "\"id\":" + std::to_string(req.id) + ",\"service\":\"" + req.service +
                         "\",\"from\":" + std::to_string(req.from) +
                         ",\"to\":" + std::to_string(req.to);
    if (v.kind == verdict::completed) {
      bus.publish("replay:completed",
                  "{" + common + ",\"count\":" + std::to_string(v.recovered) +
                      ",\"latencyMs\":" + std::to_string(latency) + "}",
                  req.service);
      log().info("replay {} {} {}-{} completed: {} recovered in {} ms", req.id, req.service,
                 req.from, req.to, v.recovered, latency);
    } else {
      bus.publish("replay:failed",
                  "{" + common + ",\"count\":" + std::to_string(v.recovered) +
                      ",\"lost\":" + std::to_string(count(v.lost)) + "}",
                  req.service);
      log().warn("replay {} {} {}-{} failed: {} seqs lost", req.id, req.service, req.from, req.to,
                 count(v.lost));
    }
  }

  const options& opts_;
  std::optional<pg::connection> pg_;
  std::optional<buffer_reader> redis_;
};

}  // namespace

replay_worker::replay_worker(options opts, std::shared_ptr<events::bus> bus)
    : opts_(std::move(opts)), bus_(std::move(bus)) {}

replay_worker::~replay_worker() {
  stop();
}

void replay_worker::start() {
  stopping_ = false;
  thread_ = std::thread([this] {
    pass_runner runner(opts_);
    while (!stopping_) {
      if (gate_.held()) continue;
      auto handled = runner.run_once(*bus_);
      if (!handled) log().warn("replay pass: {}", handled.error().message());
      if (handled && *handled == opts_.claim_count) continue;  // more may be due right now
      auto until = std::chrono::steady_clock::now() + opts_.poll;
      while (!stopping_ && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
  });
}

bool replay_worker::pause(std::chrono::milliseconds limit) {
  return gate_.hold(limit, [this] { return thread_.joinable(); });
}

void replay_worker::resume() {
  gate_.release();
}

void replay_worker::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

}  // namespace tracehub::replay
