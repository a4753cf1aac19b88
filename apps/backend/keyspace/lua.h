// keyspace/lua.h — the Lua prelude every script touching the ACK-state keyspace starts with, so
// no script spells a field name or a member form itself. It is written from keys.h and
// range.h's definitions and defines, as locals:
//
//   fmt(n)                  a seq as a decimal string ('%d': no exponent; seqs < 2^53)
//   range_member(lo, hi)    "lo:hi", the member of gaps:{svc}, lost:{svc} (format_range)
//   parse_range(m)          lo, hi of such a member as numbers, or nil if malformed
//   buffer_member(seq, tail) a buffer:{svc} member: '{"seq":<seq>,' .. tail
//   buffer_tail(m)          the tail of such a member (its JSON after the seq), or nil
//   ack_field               ack:{svc}'s field names: ack_field.till == 'till', ...
//
// Key names are not built in Lua: a script gets every key it touches in KEYS (so Redis, and a
// future cluster, knows them), from the keys.h functions.
#pragma once

#include <string>
#include <string_view>

namespace tracehub::keyspace {

// The prelude's text.
const std::string& lua_prelude();

// `script` with the prelude inserted after its first line when that is a shebang (`#!lua`),
// before it otherwise.
std::string with_lua_prelude(std::string_view script);

}  // namespace tracehub::keyspace
