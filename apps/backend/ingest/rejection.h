// ingest/rejection.h — why a batch was refused, exactly as the client sees it.
//
// Bad input is not exceptional: every check returns a rejection, which the handler renders as
// the 4xx body `{ "error": code, "detail": detail, "index": index }`. A rejected batch has
// changed nothing.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace tracehub::ingest {

struct rejection {
  unsigned http_status;
  std::string code;                  // stable machine-readable code, e.g. "invalid_field"
  std::string detail;                // one human sentence
  std::optional<std::size_t> index;  // the offending entry of `batch`, if one is to blame

  static rejection bad_request(std::string code, std::string detail,
                               std::optional<std::size_t> index = std::nullopt) {
    return {400, std::move(code), std::move(detail), index};
  }
};

}  // namespace tracehub::ingest
