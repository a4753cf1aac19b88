#include "backend/http/static_site.h"

#include <array>
#include <cctype>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>

#include "backend/base/percent.h"
#include "backend/http/router.h"

namespace tracehub::http {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view immutable = "public, max-age=31536000, immutable";
constexpr std::string_view revalidate = "no-cache";
constexpr std::string_view assets_prefix = "/assets/";

// Percent-decodes a URL path ('+' stays '+'); nullopt for a broken escape or a NUL byte.
std::optional<std::string> decode_path(std::string_view s) {
  auto out = percent_decode(s);
  if (!out || out->find('\0') != std::string::npos) return std::nullopt;
  return out;
}

// The decoded path split into its non-empty segments, relative to the root; nullopt when a
// segment is "." or ".." or holds a backslash (the request could leave the root), or when the
// path is not origin-form ("/...").
std::optional<fs::path> relative_path(std::string_view decoded) {
  if (decoded.empty() || decoded.front() != '/') return std::nullopt;
  fs::path rel;
  std::string_view rest = decoded;
  while (!rest.empty()) {
    auto slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (seg.empty()) continue;
    if (seg == "." || seg == ".." || seg.find('\\') != std::string_view::npos) return std::nullopt;
    rel /= std::string(seg);
  }
  return rel;
}

// An API client (Accept names JSON but not HTML) gets 404 for a path that is no file, not the
// app: a fetch of a missing API route must not look like a 200.
bool wants_json(const request& req) {
  std::string accept(req[boost::beast::http::field::accept]);
  for (auto& c : accept)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return accept.find("application/json") != std::string::npos &&
         accept.find("text/html") == std::string::npos;
}

bool has_extension(const fs::path& rel) {
  return !rel.empty() && rel.filename().has_extension();
}

// The whole file, or nullopt when it is not a readable regular file.
std::optional<std::string> read_file(const fs::path& p) {
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) return std::nullopt;
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return std::move(ss).str();
}

reply file_reply(std::string body, std::string_view name, std::string_view cache_control) {
  reply r{200, std::move(body)};
  r.content_type = std::string(content_type_of(name));
  r.headers.emplace_back("Cache-Control", std::string(cache_control));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

}  // namespace

std::string_view content_type_of(std::string_view file_name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 13> types{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".webmanifest", "application/manifest+json"},
      {".txt", "text/plain; charset=utf-8"},
      {".webp", "image/webp"},
  }};
  for (const auto& [ext, type] : types)
    if (file_name.size() > ext.size() && file_name.ends_with(ext)) return type;
  return "application/octet-stream";
}

reply static_site::serve(const request& req) const {
  std::string_view path = path_of(req.target());
  auto decoded = decode_path(path);
  if (!decoded) return json_error(400, "bad_path", "the path has a broken percent-escape or NUL");
  auto rel = relative_path(*decoded);
  if (!rel) return json_error(400, "bad_path", "the path must stay below the site's root");

  if (!rel->empty()) {
    if (auto body = read_file(root_ / *rel)) {
      bool hashed = decoded->starts_with(assets_prefix);
      return file_reply(std::move(*body), rel->filename().native(),
                        hashed ? immutable : revalidate);
    }
    if (has_extension(*rel)) return json_error(404, "not_found", "no file " + *decoded);
  }
  if (wants_json(req)) return json_error(404, "not_found", "no route for " + *decoded);
  // "/", or a client-side route such as /live-logs: the app's entry point.
  auto index = read_file(root_ / "index.html");
  if (!index) return json_error(404, "not_found", "the site has no index.html");
  return file_reply(std::move(*index), "index.html", revalidate);
}

}  // namespace tracehub::http
