// producer/errc.h — producer failures that are not Redis's (those are redis::errc).
#pragma once

#include <type_traits>

#include "backend/base/result.h"

namespace tracehub::producer {

enum class errc {
  bad_url = 1,       // a backend URL that is not http://host[:port][/prefix]
  bad_ack,           // a 200 whose body is not an ACK (no ackTill, malformed missing, ...)
  unexpected_reply,  // a Redis reply of the wrong shape (or an error reply from our script)
};

const boost::system::error_category& category();
inline error_code make_error_code(errc e) {
  return {static_cast<int>(e), category()};
}

}  // namespace tracehub::producer

template <>
struct boost::system::is_error_code_enum<tracehub::producer::errc> : std::true_type {};
