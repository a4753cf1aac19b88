#include "backend/keyspace/lua.h"

#include "backend/keyspace/keys.h"

namespace tracehub::keyspace {

namespace {

std::string make_prelude() {
  std::string p =
      "-- keyspace prelude (keyspace/lua.h)\n"
      "local function fmt(n) return string.format('%d', n) end\n"
      "local function range_member(lo, hi) return fmt(lo) .. ':' .. fmt(hi) end\n"
      "local function parse_range(m)\n"
      "  local lo, hi = string.match(m, '^(%d+):(%d+)$')\n"
      "  lo, hi = tonumber(lo), tonumber(hi)\n"
      "  if lo and lo <= hi then return lo, hi end\n"
      "  return nil\n"
      "end\n"
      "local function buffer_member(seq, tail) return '{\"seq\":' .. fmt(seq) .. ',' .. tail "
      "end\n"
      "local function buffer_tail(m) return string.match(m, '^{\"seq\":%d+,(.*)$') end\n"
      "local ack_field = {";
  auto add = [&](std::string_view lua_name, std::string_view name) {
    p += lua_name;
    p += " = '";
    p += name;
    p += "', ";
  };
  add("till", ack_field::till);
  add("missing", ack_field::missing);
  add("version", ack_field::version);
  add("acked_at_ms", ack_field::acked_at_ms);
  add("owner", ack_field::owner);
  add("owner_from", ack_field::owner_from);
  add("reused", ack_field::reused);
  p += "}\n";
  return p;
}

}  // namespace

const std::string& lua_prelude() {
  static const std::string p = make_prelude();
  return p;
}

std::string with_lua_prelude(std::string_view script) {
  std::size_t split = 0;
  if (script.starts_with("#!")) {
    auto nl = script.find('\n');
    split = nl == std::string_view::npos ? script.size() : nl + 1;
  }
  std::string out(script.substr(0, split));
  if (split == script.size() && split > 0 && script.back() != '\n') out += '\n';
  out += lua_prelude();
  out += script.substr(split);
  return out;
}

}  // namespace tracehub::keyspace
