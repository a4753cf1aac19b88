#include "backend/redis/reply.h"

#include <hiredis/hiredis.h>
#include <boost/assert.hpp>

#include "backend/redis/errc.h"
#include "backend/redis/logger.h"

namespace tracehub::redis {

// A null view (the view of an empty `reply`) reads as nil.
bool reply_view::is_nil() const {
  return r_ == nullptr || r_->type == REDIS_REPLY_NIL;
}
bool reply_view::is_error() const {
  return r_ != nullptr && r_->type == REDIS_REPLY_ERROR;
}
bool reply_view::is_status() const {
  return r_ != nullptr && r_->type == REDIS_REPLY_STATUS;
}
bool reply_view::is_string() const {
  return r_ != nullptr && r_->type == REDIS_REPLY_STRING;
}
bool reply_view::is_integer() const {
  return r_ != nullptr && r_->type == REDIS_REPLY_INTEGER;
}
bool reply_view::is_array() const {
  return r_ != nullptr && r_->type == REDIS_REPLY_ARRAY;
}

std::string_view reply_view::str() const {
  if (!is_string() && !is_status() && !is_error()) return {};
  if (r_->str == nullptr) return {};
  return {r_->str, static_cast<std::size_t>(r_->len)};
}

std::int64_t reply_view::integer() const {
  return is_integer() ? r_->integer : 0;
}

std::size_t reply_view::size() const {
  return is_array() ? r_->elements : 0;
}

reply_view reply_view::operator[](std::size_t i) const {
  BOOST_ASSERT(i < size());
  return reply_view(r_->element[i]);
}

void reply_deleter::operator()(redisReply* r) const {
  freeReplyObject(r);
}

status expect_ok(const result<reply>& r, std::string_view what) {
  if (!r) return r.error();
  if (r->view().is_error()) {
    log().error("{}: {}", what, r->view().str());
    return make_error_code(errc::server);
  }
  return {};
}

}  // namespace tracehub::redis
