#include "backend/redis/script.h"

#include <cstdio>

#include <boost/uuid/detail/sha1.hpp>

namespace tracehub::redis {

namespace {

std::string sha1_hex(const std::string& data) {
  boost::uuids::detail::sha1 h;
  h.process_bytes(data.data(), data.size());
  // Boost 1.81's digest is five 32-bit words, most significant byte first when printed.
  boost::uuids::detail::sha1::digest_type digest;
  h.get_digest(digest);
  std::string out(40, '0');
  for (int i = 0; i < 5; ++i) {
    char word[9];
    std::snprintf(word, sizeof word, "%08x", digest[i]);
    out.replace(static_cast<std::size_t>(i) * 8, 8, word, 8);
  }
  return out;
}

bool is_noscript(const reply& r) {
  auto v = r.view();
  return v.is_error() && v.str().starts_with("NOSCRIPT");
}

// EVALSHA sha numkeys keys... args... ; swapping the first two arguments makes it an EVAL.
std::vector<std::string> evalsha_argv(const script& s, const std::vector<std::string>& keys,
                                      std::vector<std::string> args) {
  std::vector<std::string> argv;
  argv.reserve(3 + keys.size() + args.size());
  argv.emplace_back("EVALSHA");
  argv.push_back(s.sha1());
  argv.push_back(std::to_string(keys.size()));
  argv.insert(argv.end(), keys.begin(), keys.end());
  for (auto& a : args)
    argv.push_back(std::move(a));
  return argv;
}

void make_eval(std::vector<std::string>& argv, const script& s) {
  argv[0] = "EVAL";
  argv[1] = s.source();
}

}  // namespace

script::script(std::string source) : source_(std::move(source)), sha1_(sha1_hex(source_)) {}

boost::asio::awaitable<result<reply>> eval(async_connection& c, const script& s,
                                           const std::vector<std::string>& keys,
                                           std::vector<std::string> args) {
  auto argv = evalsha_argv(s, keys, std::move(args));
  // command() takes its argv by value; keep ours for the fallback.
  auto r = co_await c.command(argv);
  if (!r || !is_noscript(*r)) co_return r;
  make_eval(argv, s);
  co_return co_await c.command(std::move(argv));
}

result<reply> eval(sync_connection& c, const script& s, const std::vector<std::string>& keys,
                   const std::vector<std::string>& args) {
  auto argv = evalsha_argv(s, keys, args);
  std::vector<std::string_view> views(argv.begin(), argv.end());
  auto r = c.command(views);
  if (!r || !is_noscript(*r)) return r;
  make_eval(argv, s);
  views.assign(argv.begin(), argv.end());
  return c.command(views);
}

}  // namespace tracehub::redis
