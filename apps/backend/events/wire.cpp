#include "backend/events/wire.h"

#include <charconv>

namespace tracehub::events::wire {

namespace {

constexpr std::string_view log_new_name = "log:new";

void put(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
}

// The next field of `in`, advancing it; false when `in` does not start with one.
bool take(std::string_view& in, std::string_view& field) {
  std::size_t n = 0;
  auto [end, ec] = std::from_chars(in.data(), in.data() + in.size(), n);
  if (ec != std::errc{} || end == in.data() || end == in.data() + in.size() || *end != ':')
    return false;
  // Lengths are written without leading zeros or signs; refuse other spellings too.
  if (end - in.data() > 1 && in.front() == '0') return false;
  in.remove_prefix(static_cast<std::size_t>(end - in.data()) + 1);
  if (n > in.size()) return false;
  field = in.substr(0, n);
  in.remove_prefix(n);
  return true;
}

bool name_ok(std::string_view name) {
  if (name.empty() || name.size() > max_name) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
          c == '_' || c == '-'))
      return false;
  return true;
}

// Level and ts are written into a row as they are (queue/copy_row.h): a row whose level or ts
// holds a byte COPY would escape is not one encode() wrote.
bool plain(std::string_view column) {
  return column.find_first_of("\t\n\r\\") == std::string_view::npos;
}

error_code bad() {
  return make_error_code(boost::system::errc::bad_message);
}

}  // namespace

std::string encode(std::string_view origin, std::span<const event_ptr> events) {
  std::string out;
  std::size_t size = origin.size() + 16;
  for (const auto& e : events)
    size += e->name.size() + e->service.size() + e->payload->size() + 48;
  out.reserve(size);
  put(out, magic);
  put(out, origin);
  for (const auto& e : events) {
    put(out, e->name);
    put(out, e->service);
    put(out, e->level);
    put(out, std::to_string(e->seq));
    if (e->name == log_new_name && e->log) {
      const auto& l = *e->log;
      std::string row;
      queue::append_row(row, {.service = l.service,
                              .seq = l.seq,
                              .level = l.level,
                              .message = l.message,
                              .request_id = l.request_id,
                              .ts = l.ts,
                              .attrs = l.attrs});
      row.pop_back();  // the newline
      put(out, row);
    } else {
      put(out, *e->payload);
    }
  }
  return out;
}

result<message> decode(std::string_view in) {
  std::string_view f;
  if (!take(in, f) || f != magic) return bad();
  message m;
  if (!take(in, f) || f.empty()) return bad();
  m.origin = f;
  while (!in.empty()) {
    std::string_view name, service, level, seq, body;
    if (!take(in, name) || !take(in, service) || !take(in, level) || !take(in, seq) ||
        !take(in, body))
      return bad();
    if (!name_ok(name)) return bad();
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(seq.data(), seq.data() + seq.size(), n);
    if (ec != std::errc{} || end != seq.data() + seq.size() || seq.empty()) return bad();
    if (name == log_new_name) {
      auto entry = queue::read_row(body);
      if (!entry || entry->seq != n || entry->service != service || entry->level != level ||
          !plain(entry->level) || !plain(entry->ts))
        return bad();
      m.events.push_back(log_new(std::move(*entry)));
      continue;
    }
    if (body.empty()) return bad();  // a payload is JSON text, never empty
    auto e = std::make_shared<event>();
    e->name = name;
    e->service = service;
    e->level = level;
    e->seq = n;
    e->payload = std::make_shared<const std::string>(body);
    m.events.push_back(std::move(e));
  }
  if (m.events.empty()) return bad();
  return m;
}

}  // namespace tracehub::events::wire
