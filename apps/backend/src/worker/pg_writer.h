// worker/pg_writer.h — one transaction per group of entries (internal to worker/).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "pg/connection.h"
#include "worker/entry.h"

namespace tracehub::worker {

class pg_writer {
 public:
  explicit pg_writer(std::string url) : url_(std::move(url)) {}

  // Writes every entry's rows, gaps (as pending replay requests) and ACK state in one
  // transaction. Returns the number of rows inserted (rows already present are skipped), or
  // pg::errc::io / timeout when Postgres is unreachable (the connection is then reopened on
  // the next call), or another pg::errc for an error the server reported.
  result<std::int64_t> write(const std::vector<entry>& entries);

 private:
  status connect();
  result<std::int64_t> write_once(const std::vector<entry>& entries, bool through_stage);

  std::string url_;
  std::optional<pg::connection> conn_;
};

}  // namespace tracehub::worker
