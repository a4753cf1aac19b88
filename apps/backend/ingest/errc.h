// ingest/errc.h — ingest failures that are not the client's fault (those are rejections).
#pragma once

#include <type_traits>

#include "backend/base/result.h"

namespace tracehub::ingest {

enum class errc {
  script_failed = 1,  // the ACK script answered with an unexpected error or shape
};

const boost::system::error_category& category();
inline error_code make_error_code(errc e) {
  return {static_cast<int>(e), category()};
}

}  // namespace tracehub::ingest

template <>
struct boost::system::is_error_code_enum<tracehub::ingest::errc> : std::true_type {};
