// base/result.h — the value type for every error that crosses a module boundary.
//
// result<T> is boost::system::result<T> (std::expected arrives with C++23): either a T or an
// error_code whose category says which module produced it (see each module's errc.h). Callers
// check at once and return early: `if (!r) return r.error();`.
#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

namespace tracehub {

using error_code = boost::system::error_code;

template <class T>
using result = boost::system::result<T, error_code>;

// For functions that succeed with nothing to return.
using status = result<void>;

}  // namespace tracehub
