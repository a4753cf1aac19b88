#include "http/admin.h"

#include <boost/asio/ip/address.hpp>

namespace tracehub::http {

namespace {

bool is_loopback(std::string_view text) {
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(std::string(text), ec);
  return !ec && a.is_loopback();
}

// Compares without an early exit, so timing does not reveal the token's prefix.
bool same(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

std::optional<reply> refuse_non_admin(const request& req, const std::string& admin_token) {
  if (admin_token.empty()) {
    if (is_loopback(req[peer_header])) return std::nullopt;
    return json_error(
        403, "forbidden",
        "admin routes accept only loopback callers unless TRACEHUB_ADMIN_TOKEN is set");
  }
  std::string_view auth = req[boost::beast::http::field::authorization];
  constexpr std::string_view scheme = "Bearer ";
  if (auth.starts_with(scheme) && same(auth.substr(scheme.size()), admin_token))
    return std::nullopt;
  auto r = json_error(401, "unauthorized", "send Authorization: Bearer <TRACEHUB_ADMIN_TOKEN>");
  r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

}  // namespace tracehub::http
