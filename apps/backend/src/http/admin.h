// http/admin.h — who may call the admin routes (fault controls, manual replay; SPEC §1).
//
// Without a token configured, only loopback callers (127.0.0.0/8, ::1) are admitted; with one,
// every caller must send `Authorization: Bearer <token>`.
#pragma once

#include <optional>
#include <string>

#include "http/reply.h"

namespace tracehub::http {

// nullopt when `req` may proceed; otherwise the 401/403 reply to send.
std::optional<reply> refuse_non_admin(const request& req, const std::string& admin_token);

}  // namespace tracehub::http
