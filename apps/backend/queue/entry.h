// queue/entry.h — one entry of the queue streams (docs/PROTOCOL.md, "Queue entry"): the struct
// every reader holds, the field list a writer sends, and the decoding of stream replies. The
// field names are queue/keys.h's; Lua scripts that write or copy entries get them from
// with_entry_fields(), so no script spells a field name itself.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "backend/base/result.h"
#include "backend/queue/seq_range.h"
#include "backend/redis/reply.h"

namespace tracehub::queue {

struct entry {
  std::string id;  // stream entry id
  std::string service;
  std::string rows;  // COPY text rows (queue/copy_row.h); duplicates (dups) already filtered out
  std::vector<seq_range> gaps;
  std::string batch_id;
  std::int64_t ack_till = 0, contiguous_till = 0, missing_total = 0, version = 0;
  std::int64_t acked_at_ms = 0;
  std::int64_t attempts = 0;
  bool from_dead_letters = false;  // re-queued by an operator (field origin)
  bool deleted = false;            // pending but already deleted from the stream: acknowledge only
  std::int64_t row_count = 0;
};

// The field/value list (for XADD) of one entry carrying `rows` that an operator re-queued from
// dead_letters: no ACK state, no gaps, origin dead_letter.
std::vector<std::string> dead_letter_entry_fields(std::string_view service, std::string_view rows,
                                                  std::int64_t now_ms);

// Decodes a stream reply's entry list ([[id, [field, value, ...]], ...]; nil entries are
// pending ones already deleted). redis::errc::protocol on an unexpected shape.
result<std::vector<entry>> decode_entries(redis::reply_view list);

// Removes from `rows` every row whose seq lies in one of `dups`.
std::string drop_rows_in(std::string_view rows, const std::vector<seq_range>& dups);

// `script` with a Lua table `entry_field` (entry_field.service == "svc", ...: every name of
// queue/keys.h's field namespace) defined after its first line when that is a shebang, before
// it otherwise.
std::string with_entry_fields(std::string_view script);

}  // namespace tracehub::queue
