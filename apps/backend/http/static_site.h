// http/static_site.h — serves a built single-page app (apps/dashboard/dist) from a directory.
//
// GET and HEAD only (install it as the router's fallback for both). A path names a file below
// the root; `/` and any extension-less path that names no file get index.html (SPA routing,
// so a reload on /live-logs works) unless the client asks for JSON and not HTML (the app's
// own API fetches: a missing route is a 404 for them); a missing file with an extension is a
// 404 JSON error. A
// path that could leave the root (`..`, `.` or `\` segments, also percent-encoded; NUL) is
// refused with 400 before the file system is touched. Vite's content-hashed files under
// /assets/ are cached for a year; everything else, index.html first, is revalidated (no-cache).
// Files are read synchronously on the calling (io) thread: the dashboard's files are small.
#pragma once

#include <filesystem>
#include <string_view>

#include "backend/http/reply.h"

namespace tracehub::http {

class static_site {
 public:
  explicit static_site(std::filesystem::path root) : root_(std::move(root)) {}

  boost::asio::awaitable<reply> operator()(request& req) const { co_return serve(req); }

  // The reply for `req` (a GET or HEAD). For HEAD the body is the file too: the HTTP session
  // sends only its length.
  reply serve(const request& req) const;

  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;
};

// The Content-Type for a file name, by extension; application/octet-stream when unknown.
std::string_view content_type_of(std::string_view file_name);

}  // namespace tracehub::http
