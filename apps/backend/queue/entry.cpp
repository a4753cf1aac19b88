#include "backend/queue/entry.h"

#include <algorithm>
#include <charconv>

#include "backend/queue/copy_row.h"
#include "backend/queue/keys.h"
#include "backend/redis/errc.h"

namespace tracehub::queue {

namespace field = keys::field;

namespace {

bool in_ranges(std::int64_t seq, const std::vector<seq_range>& ranges) {
  return std::any_of(ranges.begin(), ranges.end(),
                     [seq](const seq_range& r) { return r.lo <= seq && seq <= r.hi; });
}

std::int64_t to_int(std::string_view s) {
  std::int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// One [id, [field, value, ...]] element of a stream reply. A nil field list means the entry
// was deleted while pending.
result<entry> decode_entry(redis::reply_view e) {
  if (!e.is_array() || e.size() != 2 || !e[0].is_string())
    return make_error_code(redis::errc::protocol);
  entry out;
  out.id.assign(e[0].str());
  auto fields = e[1];
  if (fields.is_nil() || !fields.is_array()) {
    out.deleted = true;
    return out;
  }
  std::string_view rows, dups;
  std::string_view gaps;
  for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
    std::string_view k = fields[i].str(), v = fields[i + 1].str();
    if (k == field::service)
      out.service.assign(v);
    else if (k == field::rows)
      rows = v;
    else if (k == field::dups)
      dups = v;
    else if (k == field::gaps)
      gaps = v;
    else if (k == field::batch_id)
      out.batch_id.assign(v);
    else if (k == field::ack_till)
      out.ack_till = to_int(v);
    else if (k == field::contiguous_till)
      out.contiguous_till = to_int(v);
    else if (k == field::missing_total)
      out.missing_total = to_int(v);
    else if (k == field::version)
      out.version = to_int(v);
    else if (k == field::acked_at_ms)
      out.acked_at_ms = to_int(v);
    else if (k == field::attempts)
      out.attempts = to_int(v);
    else if (k == field::origin)
      out.from_dead_letters = v == keys::origin_dead_letter;
  }
  std::vector<seq_range> dup_ranges;
  if (!parse_ranges(dups, dup_ranges) || !parse_ranges(gaps, out.gaps))
    return make_error_code(redis::errc::protocol);
  out.rows = dup_ranges.empty() ? std::string(rows) : drop_rows_in(rows, dup_ranges);
  out.row_count = std::count(out.rows.begin(), out.rows.end(), '\n');
  return out;
}

}  // namespace

std::vector<std::string> dead_letter_entry_fields(std::string_view service, std::string_view rows,
                                                  std::int64_t now_ms) {
  std::string at = std::to_string(now_ms);
  return {std::string(field::service),
          std::string(service),
          std::string(field::rows),
          std::string(rows),
          std::string(field::dups),
          "",
          std::string(field::gaps),
          "",
          std::string(field::batch_id),
          "dl_retry_" + at,
          std::string(field::ack_till),
          "0",
          std::string(field::contiguous_till),
          "0",
          std::string(field::missing_total),
          "0",
          std::string(field::version),
          "0",
          std::string(field::acked_at_ms),
          at,
          std::string(field::origin),
          std::string(keys::origin_dead_letter)};
}

result<std::vector<entry>> decode_entries(redis::reply_view list) {
  std::vector<entry> out;
  if (list.is_nil()) return out;
  if (!list.is_array()) return make_error_code(redis::errc::protocol);
  out.reserve(list.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto e = decode_entry(list[i]);
    if (!e) return e.error();
    out.push_back(std::move(*e));
  }
  return out;
}

std::string drop_rows_in(std::string_view rows, const std::vector<seq_range>& dups) {
  std::string kept;
  kept.reserve(rows.size());
  for_each_row(rows, [&](std::string_view row) {
    if (!in_ranges(row_seq(row), dups)) kept.append(row);
  });
  return kept;
}

std::string with_entry_fields(std::string_view script) {
  std::string table = "local entry_field = {";
  auto add = [&](std::string_view lua_name, std::string_view name) {
    table += lua_name;
    table += " = '";
    table += name;
    table += "', ";
  };
  add("service", field::service);
  add("rows", field::rows);
  add("dups", field::dups);
  add("gaps", field::gaps);
  add("batch_id", field::batch_id);
  add("ack_till", field::ack_till);
  add("contiguous_till", field::contiguous_till);
  add("missing_total", field::missing_total);
  add("version", field::version);
  add("acked_at_ms", field::acked_at_ms);
  add("attempts", field::attempts);
  add("origin", field::origin);
  table += "}\n";
  std::size_t split = 0;
  if (script.starts_with("#!")) {
    auto nl = script.find('\n');
    split = nl == std::string_view::npos ? script.size() : nl + 1;
  }
  std::string out(script.substr(0, split));
  out += table;
  out += script.substr(split);
  return out;
}

}  // namespace tracehub::queue
