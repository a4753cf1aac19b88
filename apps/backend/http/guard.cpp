#include "backend/http/guard.h"

#include <boost/beast/core/string.hpp>

namespace tracehub::http {

std::optional<reply> refuse_non_json(const request_header& h) {
  std::string_view type = h[boost::beast::http::field::content_type];
  auto media = type.substr(0, type.find(';'));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t'))
    media.remove_suffix(1);
  if (boost::beast::iequals(media, "application/json")) return std::nullopt;
  return json_error(415, "unsupported_media_type",
                    "the body must be sent as Content-Type: application/json");
}

route_guard json_only() {
  return [](const request_header& h) { return refuse_non_json(h); };
}

}  // namespace tracehub::http
