#include "backend/ingest/batch_parser.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>

#include "backend/ingest/timestamp.h"
#include "backend/queue/copy_row.h"

namespace tracehub::ingest {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

// Levels are case-insensitive; "warning" is an alias of "warn". Returns "" when unknown.
std::string_view normalize_level(std::string_view s) {
  static constexpr std::array<std::string_view, 5> known = {"debug", "info", "warn", "error",
                                                            "fatal"};
  if (s.size() > 7) return {};
  std::array<char, 8> lower{};
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    lower[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  std::string_view l(lower.data(), s.size());
  if (l == "warning") return "warn";
  for (auto k : known)
    if (k == l) return k;
  return {};
}

// Number of code points in valid UTF-8 (the parser already rejected invalid UTF-8).
std::size_t utf8_length(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

bool has_nul(std::string_view s) {
  return s.find('\0') != std::string_view::npos;
}

std::string_view type_name(element_type t) {
  switch (t) {
    case element_type::ARRAY:
      return "an array";
    case element_type::OBJECT:
      return "an object";
    case element_type::INT64:
    case element_type::UINT64:
      return "an integer";
    case element_type::DOUBLE:
      return "a number";
    case element_type::STRING:
      return "a string";
    case element_type::BOOL:
      return "a boolean";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "a value";
}

rejection wrong_type(std::string_view field, std::string_view want, element e, std::size_t index) {
  return rejection::bad_request("invalid_field",
                                std::string(field) + " must be " + std::string(want) + ", got " +
                                    std::string(type_name(e.type())),
                                index);
}

// One entry's fields once validated; views point into the parser's tape.
struct entry_fields {
  std::int64_t seq = 0;
  std::string_view level;
  std::string_view message;
  std::string_view request_id;
  bool has_request_id = false;
  std::string ts;     // rendered for COPY
  std::string attrs;  // JSON text, empty when absent
};

class entry_reader {
 public:
  entry_reader(const limits& l, std::int64_t received_at_ms)
      : limits_(l), default_ts_(format_epoch_us(received_at_ms * 1000)) {}

  // Fills `out` from `e` or returns the reason it is invalid.
  std::optional<rejection> read(element e, std::size_t i, entry_fields& out) {
    object obj;
    if (e.get(obj) != simdjson::SUCCESS)
      return wrong_type("batch[" + std::to_string(i) + "]", "an object", e, i);
    unsigned seen = 0;
    for (auto field : obj) {
      std::string_view key = field.key;
      unsigned bit = 0;
      std::optional<rejection> r;
      if (key == "seq") {
        bit = 1, r = read_seq(field.value, i, out);
      } else if (key == "level") {
        bit = 2, r = read_level(field.value, i, out);
      } else if (key == "message") {
        bit = 4, r = read_message(field.value, i, out);
      } else if (key == "requestId") {
        bit = 8, r = read_request_id(field.value, i, out);
      } else if (key == "ts") {
        bit = 16, r = read_ts(field.value, i, out);
      } else if (key == "attrs") {
        bit = 32, r = read_attrs(field.value, i, out);
      } else {
        return rejection::bad_request("unknown_field",
                                      "entry has an unknown field \"" + printable(key) +
                                          "\" (known: seq, level, message, requestId, ts, attrs)",
                                      i);
      }
      if (r) return r;
      if (seen & bit)
        return rejection::bad_request("duplicate_field",
                                      "entry has the field \"" + std::string(key) + "\" twice", i);
      seen |= bit;
    }
    if (!(seen & 1)) return missing("seq", i);
    if (!(seen & 2)) return missing("level", i);
    if (!(seen & 4)) return missing("message", i);
    if (!(seen & 8)) out.has_request_id = false;
    if (!(seen & 16)) out.ts = default_ts_;
    if (!(seen & 32)) out.attrs.clear();
    return std::nullopt;
  }

 private:
  static rejection missing(std::string_view field, std::size_t i) {
    return rejection::bad_request(
        "missing_field", "entry lacks the required field \"" + std::string(field) + "\"", i);
  }

  static std::string printable(std::string_view key) {
    std::string out;
    for (char c : key.substr(0, 64))
      out += (c == '\0' || c == '"') ? '?' : c;
    return out;
  }

  std::optional<rejection> read_seq(element v, std::size_t i, entry_fields& out) {
    std::int64_t seq = 0;
    if (v.is_int64()) {
      seq = v.get_int64().value_unsafe();
    } else if (v.is_uint64()) {
      seq = max_seq + 1;  // larger than any int64: out of range below
    } else {
      return wrong_type("seq", "an integer", v, i);
    }
    if (seq < 1 || seq > max_seq)
      return rejection::bad_request(
          "invalid_field", "seq must be between 1 and 2^53-1, got " + std::to_string(seq), i);
    out.seq = seq;
    return std::nullopt;
  }

  std::optional<rejection> read_level(element v, std::size_t i, entry_fields& out) {
    std::string_view s;
    if (v.get(s) != simdjson::SUCCESS) return wrong_type("level", "a string", v, i);
    out.level = normalize_level(s);
    if (out.level.empty())
      return rejection::bad_request("invalid_field",
                                    "level must be one of debug, info, warn, error, fatal", i);
    return std::nullopt;
  }

  std::optional<rejection> read_message(element v, std::size_t i, entry_fields& out) {
    if (v.get(out.message) != simdjson::SUCCESS) return wrong_type("message", "a string", v, i);
    if (out.message.size() > limits_.max_message_bytes)
      return rejection::bad_request("invalid_field",
                                    "message is " + std::to_string(out.message.size()) +
                                        " bytes; the limit is " +
                                        std::to_string(limits_.max_message_bytes),
                                    i);
    if (has_nul(out.message))
      return rejection::bad_request("nul_byte", "message contains a NUL character", i);
    return std::nullopt;
  }

  std::optional<rejection> read_request_id(element v, std::size_t i, entry_fields& out) {
    if (v.is_null()) {
      out.has_request_id = false;
      return std::nullopt;
    }
    if (v.get(out.request_id) != simdjson::SUCCESS)
      return wrong_type("requestId", "a string", v, i);
    if (utf8_length(out.request_id) > limits_.max_request_id_chars)
      return rejection::bad_request("invalid_field",
                                    "requestId is longer than " +
                                        std::to_string(limits_.max_request_id_chars) +
                                        " characters",
                                    i);
    if (has_nul(out.request_id))
      return rejection::bad_request("nul_byte", "requestId contains a NUL character", i);
    out.has_request_id = true;
    return std::nullopt;
  }

  std::optional<rejection> read_ts(element v, std::size_t i, entry_fields& out) {
    if (v.is_int64()) {
      std::int64_t ms = v.get_int64().value_unsafe();
      if (ms < min_epoch_ms || ms > max_epoch_ms)
        return rejection::bad_request("invalid_field",
                                      "ts in epoch milliseconds must be between " +
                                          std::to_string(min_epoch_ms) + " (year 1) and " +
                                          std::to_string(max_epoch_ms) + " (year 9999)",
                                      i);
      out.ts = format_epoch_us(ms * 1000);
      return std::nullopt;
    }
    std::string_view s;
    if (v.get(s) != simdjson::SUCCESS)
      return wrong_type("ts", "an RFC 3339 string or epoch milliseconds", v, i);
    auto us = parse_rfc3339_us(s);
    if (!us)
      return rejection::bad_request(
          "invalid_field",
          "ts must be RFC 3339 (e.g. 2026-11-24T10:00:00Z, offsets up to ±23:59) or epoch "
          "milliseconds, between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z in UTC",
          i);
    out.ts = format_epoch_us(*us);
    return std::nullopt;
  }

  std::optional<rejection> read_attrs(element v, std::size_t i, entry_fields& out) {
    if (v.is_null()) {
      out.attrs.clear();
      return std::nullopt;
    }
    object obj;
    if (v.get(obj) != simdjson::SUCCESS) return wrong_type("attrs", "a flat object", v, i);
    for (auto field : obj) {
      if (has_nul(field.key))
        return rejection::bad_request("nul_byte", "an attrs key contains a NUL character", i);
      auto t = field.value.type();
      if (t == element_type::ARRAY || t == element_type::OBJECT)
        return rejection::bad_request("invalid_field",
                                      "attrs must be flat: \"" + printable(field.key) +
                                          "\" holds " + std::string(type_name(t)),
                                      i);
      std::string_view s;
      if (field.value.get(s) == simdjson::SUCCESS && has_nul(s))
        return rejection::bad_request("nul_byte", "an attrs value contains a NUL character", i);
    }
    out.attrs = simdjson::minify(v);
    return std::nullopt;
  }

  const limits& limits_;
  std::string default_ts_;  // time of receipt, for entries without ts
};

void render_row(std::string& rows, std::string_view service, const entry_fields& f) {
  queue::append_row(
      rows, {.service = service,
             .seq = f.seq,
             .level = f.level,
             .message = f.message,
             .request_id =
                 f.has_request_id ? std::optional<std::string_view>(f.request_id) : std::nullopt,
             .ts = f.ts,
             .attrs = f.attrs});
}

struct rendered {
  std::int64_t seq;
  std::size_t index;
  std::size_t offset;  // of the row in parsed_batch::rows
  std::size_t length;
};

// Sorts by seq, drops repeated seqs (keeping the first entry), rewrites rows without them and
// fills runs and seq_index.
void dedupe_and_index(std::vector<rendered>& entries, parsed_batch& out) {
  std::stable_sort(entries.begin(), entries.end(),
                   [](const rendered& a, const rendered& b) { return a.seq < b.seq; });
  std::vector<bool> dropped;
  for (std::size_t k = 0; k < entries.size(); ++k) {
    const auto& e = entries[k];
    if (k > 0 && entries[k - 1].seq == e.seq) {
      if (dropped.empty()) dropped.resize(entries.size(), false);
      dropped[e.index] = true;
      ++out.in_batch_duplicates;
      continue;
    }
    out.seq_index.emplace_back(e.seq, e.index);
    if (!out.runs.empty() && out.runs.back().hi + 1 == e.seq) {
      out.runs.back().hi = e.seq;
    } else {
      out.runs.push_back({e.seq, e.seq});
    }
  }
  if (dropped.empty()) return;
  // Rare path: rebuild rows in entry order without the repeated seqs.
  std::sort(entries.begin(), entries.end(),
            [](const rendered& a, const rendered& b) { return a.index < b.index; });
  std::string kept;
  kept.reserve(out.rows.size());
  for (const auto& e : entries)
    if (!dropped[e.index]) kept.append(out.rows, e.offset, e.length);
  out.rows = std::move(kept);
}

}  // namespace

bool valid_service(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

bool valid_producer_id(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == ':' || c == '-';
  });
}

std::variant<parsed_batch, rejection> batch_parser::parse(std::string& body,
                                                          std::int64_t received_at_ms) {
  if (body.size() > limits_.max_body_bytes)
    return rejection{413, "body_too_large",
                     "the body is " + std::to_string(body.size()) + " bytes; the limit is " +
                         std::to_string(limits_.max_body_bytes),
                     std::nullopt};
  if (body.find('\0') != std::string::npos)
    return rejection::bad_request("nul_byte", "the body contains a NUL byte");
  if (!simdjson::validate_utf8(body.data(), body.size()))
    return rejection::bad_request("invalid_utf8", "the body is not valid UTF-8");

  body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  element root;
  if (auto err = parser_.parse(body.data(), body.size(), false).get(root)) {
    if (err == simdjson::NUMBER_ERROR || err == simdjson::NUMBER_OUT_OF_RANGE)
      return rejection::bad_request("invalid_number",
                                    "a number in the body is malformed or out of range: integers "
                                    "must fit in 64 bits, other numbers in a double");
    return rejection::bad_request("malformed_json", std::string("the body is not valid JSON: ") +
                                                        simdjson::error_message(err));
  }

  object top;
  if (root.get(top) != simdjson::SUCCESS)
    return rejection::bad_request("invalid_field", "the body must be a JSON object");
  std::optional<std::string_view> service;
  std::optional<simdjson::dom::array> batch;
  std::string_view producer_id;
  for (auto field : top) {
    if (field.key == "service") {
      std::string_view s;
      if (field.value.get(s) != simdjson::SUCCESS)
        return rejection::bad_request("invalid_field", "service must be a string");
      service = s;
    } else if (field.key == "batch") {
      simdjson::dom::array a;
      if (field.value.get(a) != simdjson::SUCCESS)
        return rejection::bad_request("invalid_field", "batch must be an array");
      batch = a;
    } else if (field.key == "producerId") {
      if (field.value.get(producer_id) != simdjson::SUCCESS || !valid_producer_id(producer_id))
        return rejection::bad_request(
            "invalid_field",
            "producerId must be 1-64 characters of A-Z, a-z, 0-9, '.', '_', ':', '-'");
    } else {
      return rejection::bad_request(
          "unknown_field", "the body has an unknown field (known: service, batch, producerId)");
    }
  }
  if (!service) return rejection::bad_request("missing_field", "the body lacks \"service\"");
  if (!batch) return rejection::bad_request("missing_field", "the body lacks \"batch\"");
  if (!valid_service(*service))
    return rejection::bad_request("invalid_field",
                                  "service must be 1-64 characters of a-z, 0-9, '.', '_', '-'");
  std::size_t n = batch->size();
  if (n == 0) return rejection::bad_request("empty_batch", "batch holds no entries");
  if (n > limits_.max_entries)
    return rejection{413, "too_many_entries",
                     "batch holds " + std::to_string(n) + " entries; the limit is " +
                         std::to_string(limits_.max_entries),
                     std::nullopt};

  parsed_batch out;
  out.service.assign(*service);
  out.producer_id.assign(producer_id);
  out.rows.reserve(body.size() + n * 48);
  std::vector<rendered> entries;
  entries.reserve(n);
  entry_reader reader(limits_, received_at_ms);
  entry_fields fields;
  std::size_t i = 0;
  for (element e : *batch) {
    if (auto r = reader.read(e, i, fields)) return *std::move(r);
    std::size_t offset = out.rows.size();
    render_row(out.rows, out.service, fields);
    if (fields.level == "error" || fields.level == "fatal") ++out.error_entries;
    entries.push_back({fields.seq, i, offset, out.rows.size() - offset});
    ++i;
  }
  out.entries = i;
  dedupe_and_index(entries, out);
  return out;
}

}  // namespace tracehub::ingest
