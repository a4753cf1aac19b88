// http/guard.h — checks every route that changes state makes before its body is read.
//
// A request that changes state (ingest, controls, manual replay, dead-letter retry) must say
// `Content-Type: application/json`. A browser sends text/plain, form and multipart bodies to
// any site without asking it first (a CORS "simple request"); JSON it sends cross-site only
// after a preflight this server never approves. So the content type alone keeps other web
// pages from posting to these routes; admin.h adds who may call them (see README "Security").
#pragma once

#include <optional>

#include "backend/http/reply.h"

namespace tracehub::http {

// nullopt when Content-Type is application/json (any parameters, e.g. charset, case-blind);
// otherwise the 415 {"error":"unsupported_media_type",...} reply.
std::optional<reply> refuse_non_json(const request_header& h);

// A guard for routes open to every caller that take a JSON body: refuse_non_json.
route_guard json_only();

}  // namespace tracehub::http
