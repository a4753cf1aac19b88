#include "backend/http/query.h"

#include "backend/base/percent.h"

namespace tracehub::http {

namespace {

// A query-string component: form encoding, a broken escape kept as it is.
std::string decode(std::string_view s) {
  return *percent_decode(s, {.plus_is_space = true, .lenient = true});
}

}  // namespace

std::optional<std::string> query_param(std::string_view target, std::string_view name) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    auto eq = pair.find('=');
    if (decode(pair.substr(0, eq)) != name) continue;
    return eq == std::string_view::npos ? std::string{} : decode(pair.substr(eq + 1));
  }
  return std::nullopt;
}

}  // namespace tracehub::http
