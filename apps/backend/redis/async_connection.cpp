#include "backend/redis/async_connection.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "backend/base/backoff.h"
#include "backend/redis/errc.h"
#include "backend/redis/logger.h"

namespace tracehub::redis {

namespace asio = boost::asio;

namespace {

// hiredis 0.14 frees a reply as soon as its callback returns, so the callback keeps a deep
// copy. The copy is allocated with malloc/calloc, as freeReplyObject (reply_deleter) expects.
// Returns null when out of memory or on a reply type this hiredis version does not produce.
redisReply* copy_reply(const redisReply* src) {
  auto* dst = static_cast<redisReply*>(std::calloc(1, sizeof(redisReply)));
  if (dst == nullptr) return nullptr;
  dst->type = src->type;
  switch (src->type) {
    case REDIS_REPLY_INTEGER:
      dst->integer = src->integer;
      return dst;
    case REDIS_REPLY_NIL:
      return dst;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR: {
      dst->str = static_cast<char*>(std::malloc(src->len + 1));
      if (dst->str == nullptr) break;
      std::memcpy(dst->str, src->str, src->len);
      dst->str[src->len] = '\0';
      dst->len = src->len;
      return dst;
    }
    case REDIS_REPLY_ARRAY: {
      if (src->elements == 0) return dst;
      dst->element = static_cast<redisReply**>(std::calloc(src->elements, sizeof(redisReply*)));
      if (dst->element == nullptr) break;
      dst->elements = src->elements;  // null slots are fine for freeReplyObject
      bool complete = true;
      for (std::size_t i = 0; i < src->elements && complete; ++i) {
        dst->element[i] = copy_reply(src->element[i]);
        complete = dst->element[i] != nullptr;
      }
      if (!complete) break;
      return dst;
    }
    default:
      break;
  }
  reply_deleter{}(dst);
  return nullptr;
}

// One command in flight. The issuing coroutine waits on `signal`, which expires at the command's
// deadline and is cancelled when the reply callback completes the command first.
struct pending_command {
  explicit pending_command(const asio::any_io_executor& ex) : signal(ex) {}

  void complete(result<reply> r) {
    if (outcome) return;  // already timed out (or completed): later news is ignored
    outcome = std::move(r);
    signal.cancel();  // never resumes the waiter inline: its completion is posted
  }

  asio::steady_timer signal;
  std::optional<result<reply>> outcome;
};

// The C callbacks below are noexcept: an exception must not unwind through hiredis's C frames.

// hiredis privdata for a command: a heap copy of the shared_ptr, freed by the callback, which
// hiredis calls exactly once (with the reply, or with null when the context is freed).
using pending_ref = std::shared_ptr<pending_command>;

void on_command_reply(redisAsyncContext* /*ac*/, void* r, void* privdata) noexcept {
  std::unique_ptr<pending_ref> p(static_cast<pending_ref*>(privdata));
  if (r == nullptr) {
    (*p)->complete(make_error_code(errc::closed));
    return;
  }
  redisReply* copy = copy_reply(static_cast<const redisReply*>(r));
  if (copy == nullptr) {
    (*p)->complete(make_error_code(errc::protocol));
    return;
  }
  (*p)->complete(reply(copy));
}

}  // namespace

// Owns the redisAsyncContext of the current link (null while disconnected) and registers its
// fd with the io_context. Every member is touched only from the executor's thread.
//
// Lifetime: asio handlers hold a weak_ptr to the owning async_connection and touch nothing when
// it has gone; hiredis C callbacks reach the impl through ac->data / ac->ev.data, which stay
// valid because the impl frees the context (running every callback) before it is destroyed.
// Every redisAsyncFree happens outside hiredis callbacks (from a handler, a coroutine, stop()
// or the destructor), so hiredis never frees a context under our feet mid-call.
struct async_connection::impl {
  impl(asio::any_io_executor ex, endpoint ep, async_options opts)
      : ex_(ex),
        ep_(std::move(ep)),
        opts_(opts),
        socket_(ex),
        reconnect_timer_(ex),
        connect_timer_(ex),
        backoff_(opts_.reconnect_min, opts_.reconnect_max) {}

  void start() {
    if (!stopped_) return;
    stopped_ = false;
    connect();
  }

  void stop() {
    stopped_ = true;
    reconnect_timer_.cancel();
    connect_timer_.cancel();
    if (ac_ != nullptr) redisAsyncFree(ac_);  // runs link_gone() through the cleanup hook
  }

  asio::awaitable<result<reply>> command(std::vector<std::string> argv);

  // --- link life cycle ---------------------------------------------------------------------

  void connect();
  void schedule_reconnect();
  void arm_connect_deadline();
  void on_connected();
  void on_handshake_reply(redisReply* r);
  void mark_ready();
  void drop(std::uint64_t gen, const char* why);
  void link_gone();

  // --- hiredis event hooks: fd readiness through the io_context ------------------------------

  void add_read() {
    want_read_ = true;
    if (!read_waiting_) arm_wait(posix_wait::wait_read);
  }
  void del_read() { want_read_ = false; }
  void add_write() {
    want_write_ = true;
    if (!write_waiting_) arm_wait(posix_wait::wait_write);
  }
  void del_write() { want_write_ = false; }

  using posix_wait = asio::posix::descriptor_base;
  void arm_wait(posix_wait::wait_type w);

  asio::any_io_executor ex_;
  endpoint ep_;
  async_options opts_;
  std::weak_ptr<async_connection> owner_;

  redisAsyncContext* ac_ = nullptr;              // the current link; null while disconnected
  std::uint64_t gen_ = 0;                        // bumped per link; stale handlers compare and bail
  asio::posix::stream_descriptor socket_;        // wraps ac_'s fd; released, never closed, by us
  bool want_read_ = false, want_write_ = false;  // what hiredis asked for
  bool read_waiting_ = false, write_waiting_ = false;  // an async_wait is outstanding
  int handshake_left_ = 0;  // AUTH/SELECT replies still to come on this link
  bool ready_ = false;      // connected and handshake done: commands are accepted
  bool stopped_ = true;

  asio::steady_timer reconnect_timer_;
  asio::steady_timer connect_timer_;
  backoff backoff_;  // reconnect delays; reset once a link is ready
};

namespace {

async_connection::impl* impl_of(const redisAsyncContext* ac) {
  return static_cast<async_connection::impl*>(ac->data);
}
async_connection::impl* impl_of_ev(void* ev_data) {
  return static_cast<async_connection::impl*>(ev_data);
}

void hook_add_read(void* d) noexcept {
  impl_of_ev(d)->add_read();
}
void hook_del_read(void* d) noexcept {
  impl_of_ev(d)->del_read();
}
void hook_add_write(void* d) noexcept {
  impl_of_ev(d)->add_write();
}
void hook_del_write(void* d) noexcept {
  impl_of_ev(d)->del_write();
}
void hook_cleanup(void* d) noexcept {
  impl_of_ev(d)->link_gone();
}

void on_connect(const redisAsyncContext* ac, int status) noexcept {
  if (status != REDIS_OK) {
    // hiredis frees the context right after this returns; the cleanup hook reconnects.
    log().debug("connect failed: {}", ac->errstr != nullptr ? ac->errstr : "?");
    return;
  }
  impl_of(ac)->on_connected();
}

void on_disconnect(const redisAsyncContext* ac, int status) noexcept {
  if (status != REDIS_OK) log().warn("connection lost: {}", ac->errstr ? ac->errstr : "?");
}

void on_handshake(redisAsyncContext* ac, void* r, void* /*privdata*/) noexcept {
  // Null: the context is being freed; the cleanup hook handles that.
  if (r == nullptr) return;
  impl_of(ac)->on_handshake_reply(static_cast<redisReply*>(r));
}

int send_argv(redisAsyncContext* ac, redisCallbackFn* fn, void* privdata,
              const std::vector<std::string>& argv) {
  std::vector<const char*> ptrs;
  std::vector<std::size_t> lens;
  ptrs.reserve(argv.size());
  lens.reserve(argv.size());
  for (const auto& a : argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  return redisAsyncCommandArgv(ac, fn, privdata, static_cast<int>(argv.size()), ptrs.data(),
                               lens.data());
}

}  // namespace

void async_connection::impl::connect() {
  if (stopped_ || ac_ != nullptr) return;
  // hiredis 0.14 resolves a host name with a blocking getaddrinfo here; use IP addresses in
  // configuration to keep the io thread from ever blocking on DNS.
  redisAsyncContext* ac = redisAsyncConnect(ep_.host.c_str(), ep_.port);
  if (ac == nullptr) {
    log().warn("connect {}:{}: out of memory", ep_.host, ep_.port);
    schedule_reconnect();
    return;
  }
  if (ac->err != 0) {
    log().debug("connect {}:{} failed: {}", ep_.host, ep_.port, ac->errstr);
    redisAsyncFree(ac);  // no hooks are installed yet: nothing of ours runs
    schedule_reconnect();
    return;
  }
  boost::system::error_code ec;
  socket_.assign(ac->c.fd, ec);
  if (ec) {
    log().warn("cannot register redis socket: {}", ec.message());
    redisAsyncFree(ac);
    schedule_reconnect();
    return;
  }

  ++gen_;
  ac_ = ac;
  ac->data = this;
  ac->ev.data = this;
  ac->ev.addRead = hook_add_read;
  ac->ev.delRead = hook_del_read;
  ac->ev.addWrite = hook_add_write;
  ac->ev.delWrite = hook_del_write;
  ac->ev.cleanup = hook_cleanup;
  redisAsyncSetDisconnectCallback(ac, on_disconnect);
  // Also asks for the first write readiness, which is how hiredis learns connect() finished.
  redisAsyncSetConnectCallback(ac, on_connect);
  arm_connect_deadline();
}

void async_connection::impl::arm_connect_deadline() {
  connect_timer_.expires_after(opts_.connect_timeout);
  connect_timer_.async_wait([w = owner_, this, gen = gen_](boost::system::error_code ec) {
    auto self = w.lock();
    if (ec || !self) return;
    if (gen == gen_ && ac_ != nullptr && !ready_) drop(gen, "connect timed out");
  });
}

void async_connection::impl::schedule_reconnect() {
  if (stopped_) return;
  reconnect_timer_.expires_after(backoff_.next());
  reconnect_timer_.async_wait([w = owner_, this](boost::system::error_code ec) {
    auto self = w.lock();
    if (ec || !self) return;
    connect();
  });
}

void async_connection::impl::on_connected() {
  handshake_left_ = 0;
  if (!ep_.password.empty()) {
    std::vector<std::string> auth{"AUTH"};
    if (!ep_.user.empty()) auth.push_back(ep_.user);
    auth.push_back(ep_.password);
    if (send_argv(ac_, on_handshake, nullptr, auth) == REDIS_OK) ++handshake_left_;
  }
  if (ep_.db != 0) {
    if (send_argv(ac_, on_handshake, nullptr, {"SELECT", std::to_string(ep_.db)}) == REDIS_OK) {
      ++handshake_left_;
    }
  }
  if (handshake_left_ == 0) mark_ready();
}

void async_connection::impl::on_handshake_reply(redisReply* r) {
  if (r->type == REDIS_REPLY_ERROR) {
    log().warn("handshake refused: {}", std::string_view(r->str, r->len));
    // Not freed here, inside a hiredis callback: posted, and only for this very link.
    asio::post(ex_, [w = owner_, this, gen = gen_] {
      if (auto self = w.lock()) drop(gen, "handshake refused");
    });
    return;
  }
  if (--handshake_left_ == 0) mark_ready();
}

void async_connection::impl::mark_ready() {
  ready_ = true;
  backoff_.succeeded();
  connect_timer_.cancel();
  log().info("connected to {}:{}", ep_.host, ep_.port);
}

void async_connection::impl::drop(std::uint64_t gen, const char* why) {
  if (gen != gen_ || ac_ == nullptr) return;
  log().warn("dropping connection to {}:{}: {}", ep_.host, ep_.port, why);
  redisAsyncFree(ac_);  // pending callbacks get null (-> closed), then link_gone()
}

// Called by hiredis (ev.cleanup) while it frees the context, after every pending callback ran
// and before it closes the fd.
void async_connection::impl::link_gone() {
  // Hand the fd back without closing it (hiredis closes it); cancels our outstanding waits,
  // whose handlers then see ac_ == null or a newer gen_ and do nothing.
  socket_.release();
  ac_ = nullptr;
  ready_ = false;
  want_read_ = want_write_ = false;
  read_waiting_ = write_waiting_ = false;
  handshake_left_ = 0;
  connect_timer_.cancel();
  schedule_reconnect();
}

void async_connection::impl::arm_wait(posix_wait::wait_type w) {
  bool& waiting = w == posix_wait::wait_read ? read_waiting_ : write_waiting_;
  waiting = true;
  socket_.async_wait(w, [o = owner_, this, w, gen = gen_](boost::system::error_code ec) {
    auto self = o.lock();
    if (!self || gen != gen_) return;  // object gone, or a stale wait of an earlier link
    bool is_read = w == posix_wait::wait_read;
    (is_read ? read_waiting_ : write_waiting_) = false;
    if (ec || ac_ == nullptr) return;
    if (!(is_read ? want_read_ : want_write_)) return;
    // May free the context (EOF, error, failed connect): link_gone() runs inside.
    if (is_read) {
      redisAsyncHandleRead(ac_);
    } else {
      redisAsyncHandleWrite(ac_);
    }
    if (gen != gen_ || ac_ == nullptr) return;
    // Level semantics on top of the wait: hiredis reads at most 16 KiB per call, so wait again
    // while it still wants the direction.
    if (is_read && want_read_ && !read_waiting_) arm_wait(w);
    if (!is_read && want_write_ && !write_waiting_) arm_wait(w);
  });
}

asio::awaitable<result<reply>> async_connection::impl::command(std::vector<std::string> argv) {
  if (!ready_ || ac_ == nullptr) co_return make_error_code(errc::closed);
  // An empty command is sent as "*0", which the server ignores: it would only time out.
  if (argv.empty()) co_return make_error_code(errc::protocol);

  auto p = std::make_shared<pending_command>(ex_);
  auto* privdata = new pending_ref(p);
  if (send_argv(ac_, on_command_reply, privdata, argv) != REDIS_OK) {
    delete privdata;  // hiredis did not take it: the context is disconnecting
    co_return make_error_code(errc::closed);
  }
  const std::uint64_t gen = gen_;

  p->signal.expires_after(opts_.command_timeout);
  boost::system::error_code ec;
  co_await p->signal.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  if (p->outcome) co_return std::move(*p->outcome);

  // The deadline passed first. hiredis cannot cancel one command, and its reply would arrive
  // out of order with the next, so the link goes: every other pending command gets closed.
  p->outcome = make_error_code(errc::timeout);
  drop(gen, "command timed out");
  co_return make_error_code(errc::timeout);
}

// --- async_connection ---------------------------------------------------------------------

std::shared_ptr<async_connection> async_connection::create(asio::any_io_executor ex, endpoint ep,
                                                           async_options opts) {
  std::shared_ptr<async_connection> c(new async_connection());
  c->impl_ = std::make_unique<impl>(std::move(ex), std::move(ep), opts);
  c->impl_->owner_ = c;
  return c;
}

async_connection::~async_connection() {
  // Frees the context if there still is one; pending hiredis callbacks run now, while the impl
  // is alive, and owner_ has expired so nothing is rescheduled by the handlers.
  if (impl_) impl_->stop();
}

void async_connection::start() {
  impl_->start();
}

void async_connection::stop() {
  impl_->stop();
}

bool async_connection::connected() const {
  return impl_->ready_;
}

asio::awaitable<result<reply>> async_connection::command(std::vector<std::string> argv) {
  auto self = shared_from_this();  // keeps the connection alive while this command waits
  co_return co_await impl_->command(std::move(argv));
}

}  // namespace tracehub::redis
