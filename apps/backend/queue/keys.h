// queue/keys.h — the queue's Redis keyspace. Every stream, group and field name the ingest
// path writes and the worker reads is defined here and nowhere else (the README's keyspace
// table is written from this file).
#pragma once

#include <string_view>

namespace tracehub::queue::keys {

// Streams of batch-sized entries (one entry per accepted batch, never one per log).
inline constexpr std::string_view logs = "queue:logs";
inline constexpr std::string_view retry = "queue:retry";
// Consumer group shared by every worker (N workers split the stream between them).
inline constexpr std::string_view group = "workers";

// Worker liveness: hash, field = consumer name, value = epoch ms of its last beat (about
// every second while its thread runs). Read by the metrics module.
inline constexpr std::string_view heartbeats = "workers:heartbeat";

// Fields of one entry (docs/PROTOCOL.md, "Queue entry"). Written by the ACK script (XADD) and
// the worker's move to queue:retry, which spell them through queue::with_entry_fields, and by
// queue::dead_letter_entry_fields; read by queue::decode_entries (queue/entry.h).
namespace field {
inline constexpr std::string_view service = "svc";
inline constexpr std::string_view rows = "rows";     // COPY text rows of the batch
inline constexpr std::string_view dups = "dups";     // seq ranges in `rows` already held
inline constexpr std::string_view gaps = "gaps";     // seq ranges newly missing (replays)
inline constexpr std::string_view batch_id = "bid";  // the ACK's batchId
inline constexpr std::string_view ack_till = "till";
inline constexpr std::string_view contiguous_till = "contig";
inline constexpr std::string_view missing_total = "missing";
inline constexpr std::string_view version = "ver";  // per-service ACK state version
inline constexpr std::string_view acked_at_ms = "at";
inline constexpr std::string_view attempts = "attempts";  // retries so far (queue:retry only)
// Absent for batches from ingest; origin_dead_letter for rows an operator re-queued from
// dead_letters (no ACK state, no gaps: the worker resolves their dead letters once stored).
inline constexpr std::string_view origin = "origin";
}  // namespace field

inline constexpr std::string_view origin_dead_letter = "dead_letter";

}  // namespace tracehub::queue::keys
