#include "backend/ingest/ingest.h"

#include <algorithm>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/json.hpp>

#include "backend/base/clock.h"
#include "backend/http/producer_tokens.h"
#include "backend/ingest/ack_script.h"
#include "backend/ingest/logger.h"

namespace tracehub::ingest {

namespace {

bool is_json_media_type(std::string_view content_type) {
  auto media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && media.back() == ' ')
    media.remove_suffix(1);
  return boost::beast::iequals(media, "application/json");
}

http::reply from_rejection(const rejection& r) {
  return http::json_error(r.http_status, r.code, r.detail, r.index);
}

// The first entry (by position in `batch`) whose seq lies beyond ack_till + max_gap.
std::size_t first_beyond(const parsed_batch& batch, std::int64_t bound) {
  std::size_t index = SIZE_MAX;
  for (auto it = std::upper_bound(batch.seq_index.begin(), batch.seq_index.end(),
                                  std::pair{bound, SIZE_MAX});
       it != batch.seq_index.end(); ++it)
    index = std::min(index, it->second);
  return index;
}

void append_missing(std::string& out, const std::vector<queue::seq_range>& ranges,
                    std::int64_t limit) {
  out += '[';
  std::int64_t listed = 0;
  for (const auto& r : ranges) {
    for (std::int64_t s = r.lo; s <= r.hi && listed < limit; ++s, ++listed) {
      if (listed > 0) out += ',';
      out += std::to_string(s);
    }
  }
  out += ']';
}

std::string ack_json(const ack_outcome& a, std::int64_t duplicates, std::int64_t missing_limit) {
  std::string out;
  out.reserve(256);
  out += "{\"batchId\":\"";
  out += a.batch_id;
  out += "\",\"ackTill\":";
  out += std::to_string(a.ack_till);
  out += ",\"missing\":";
  append_missing(out, a.missing, missing_limit);
  out += ",\"status\":\"";
  out += a.missing_total == 0 ? "ok" : "partial";
  out += "\",\"replay\":{\"queued\":";
  out += std::to_string(a.new_gaps.size());
  out += "},\"accepted\":";
  out += std::to_string(a.accepted);
  out += ",\"duplicates\":";
  out += std::to_string(duplicates);
  out += ",\"contiguousTill\":";
  out += std::to_string(a.contiguous_till);
  out += ",\"missingTotal\":";
  out += std::to_string(a.missing_total);
  out += '}';
  return out;
}

// ack:sent for the real-time channel: the event stays small, so only the first 100 missing.
std::string ack_event_json(std::string_view service, const ack_outcome& a) {
  std::string out = "{\"service\":\"";
  out += service;  // [a-z0-9._-] (validated): nothing to escape
  out += "\",\"ackTill\":";
  out += std::to_string(a.ack_till);
  out += ",\"missing\":";
  append_missing(out, a.missing, 100);
  out += ",\"missingTotal\":";
  out += std::to_string(a.missing_total);
  out += '}';
  return out;
}

}  // namespace

ingest_handler::ingest_handler(std::shared_ptr<redis::async_connection> redis, options opts,
                               std::shared_ptr<stats::ingest_probe> probe,
                               std::shared_ptr<faults::network> faults,
                               std::shared_ptr<events::bus> bus,
                               std::shared_ptr<stats::recorder> stats)
    : redis_(std::move(redis)),
      opts_(opts),
      probe_(std::move(probe)),
      faults_(std::move(faults)),
      bus_(std::move(bus)),
      stats_(std::move(stats)),
      parser_(opts.limits) {}

boost::asio::awaitable<http::reply> ingest_handler::operator()(http::request& req) {
  const auto started = steady::now();
  if (faults_->should_drop()) {
    probe_->dropped();
    http::reply lost;
    lost.drop_connection = true;
    co_return lost;
  }
  if (!is_json_media_type(req[boost::beast::http::field::content_type])) {
    probe_->batch_rejected();
    co_return http::json_error(415, "unsupported_media_type",
                               "the body must be sent as Content-Type: application/json");
  }
  const std::int64_t now_ms = now_epoch_ms();
  auto parsed = parser_.parse(req.body(), now_ms);
  if (auto* r = std::get_if<rejection>(&parsed)) {
    probe_->batch_rejected();
    co_return from_rejection(*r);
  }
  auto& batch = std::get<parsed_batch>(parsed);
  // A producer token was checked against this header before the body was read
  // (http/producer_tokens.h); the body must not name another service.
  if (auto declared = req[http::service_header]; !declared.empty() && declared != batch.service) {
    probe_->batch_rejected();
    co_return http::json_error(403, "service_mismatch",
                               "the body's service is not the one named in X-TraceHub-Service");
  }

  auto keys = ack_keys(batch.service);
  auto args = ack_args(batch, opts_.limits.max_gap, opts_.queue, opts_.missing_limit, now_ms);
  auto reply = co_await redis::eval(*redis_, ack_script(), keys, std::move(args));
  if (!reply) {
    probe_->unavailable();
    co_return http::json_error(
        503, "unavailable",
        "the queue store (Redis) is unreachable: " + reply.error().message() + "; retry the batch");
  }
  auto decoded = decode_ack(reply->view());
  if (!decoded) {
    log().error("ACK script for {}: {}", batch.service, std::string(reply->view().str()));
    co_return http::json_error(500, "internal", "the ACK step failed; retry the batch");
  }
  if (auto* g = std::get_if<gap_too_large>(&*decoded)) {
    probe_->batch_rejected();
    std::int64_t bound = g->ack_till + opts_.limits.max_gap;
    co_return http::json_error(422, "seq_beyond_max_gap",
                               "seq is more than maxGap (" + std::to_string(opts_.limits.max_gap) +
                                   ") beyond ackTill (" + std::to_string(g->ack_till) + ")",
                               first_beyond(batch, bound));
  }
  if (auto* q = std::get_if<queue_full>(&*decoded)) {
    probe_->unavailable();
    auto r = http::json_error(
        503, "queue_full",
        q->length < 0 ? std::string("Redis is at its memory limit; retry the batch shortly")
                      : "the queue holds " + std::to_string(q->length) + " batches (" +
                            std::to_string(q->bytes) +
                            " bytes) awaiting the worker; retry the batch shortly");
    r.headers.emplace_back("Retry-After", "1");
    co_return r;
  }
  if (auto* p = std::get_if<paused>(&*decoded)) {
    probe_->unavailable();
    auto r = http::json_error(
        503, "paused",
        "the state is being reset; retry the batch in " + std::to_string(p->ms_left) + " ms");
    r.headers.emplace_back("Retry-After", std::to_string(p->ms_left / 1000 + 1));
    co_return r;
  }
  if (auto* r = std::get_if<seq_reused>(&*decoded)) {
    probe_->batch_rejected();
    // The error body, plus ackTill: the producer renumbers its unsent logs from ackTill + 1.
    auto body = boost::json::object{
        {"error", "sequence_reused"},
        {"detail", "seqs at or below " + std::to_string(r->floor) + " of " + batch.service +
                       " belong to another sequence space than producerId " + batch.producer_id +
                       "'s; nothing was stored: renumber the logs after ackTill and send them "
                       "again (docs/PROTOCOL.md, \"Producer ids\")"},
        {"index", nullptr},
        {"ackTill", r->ack_till}};
    co_return http::reply{409, boost::json::serialize(body)};
  }
  const auto& ack = std::get<ack_outcome>(*decoded);
  std::int64_t duplicates = ack.duplicates + static_cast<std::int64_t>(batch.in_batch_duplicates);
  probe_->batch_acked(ack.accepted, duplicates, static_cast<std::int64_t>(ack.new_gaps.size()));
  if (bus_) bus_->publish("ack:sent", ack_event_json(batch.service, ack), batch.service);
  auto body = ack_json(ack, duplicates, opts_.missing_limit);
  if (auto delay = faults_->ack_delay_ms(); delay > 0) {
    boost::asio::steady_timer hold(co_await boost::asio::this_coro::executor);
    hold.expires_after(std::chrono::milliseconds(delay));
    boost::system::error_code ec;  // cancelled at shutdown: answer at once
    co_await hold.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
  if (stats_) {
    // Errors are counted over the body's entries; scale them to the accepted ones so a
    // batch of duplicates adds no errors.
    auto errors = batch.entries > 0 ? static_cast<std::int64_t>(batch.error_entries) *
                                          ack.accepted / static_cast<std::int64_t>(batch.entries)
                                    : 0;
    auto now_ms = now_epoch_ms();
    stats_->ingested(batch.service, ack.accepted, errors, now_ms);
    stats_->ack_latency(std::chrono::duration<double, std::milli>(steady::now() - started).count(),
                        now_ms);
  }
  co_return http::reply{200, std::move(body)};
}

}  // namespace tracehub::ingest
