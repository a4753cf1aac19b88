// Fuzzes the body parser of POST /ingest (ingest/batch_parser.h) with the input as the body.
//
// Properties, beyond "never crashes, leaks or trips a sanitizer":
//  - a rejection is a 400 or 413 with a code and a detail, and names no entry past the limit;
//  - an accepted batch holds one COPY row per distinct seq: seven columns, only the escapes
//    ingest/copy_text.h writes, valid UTF-8 without NUL, the batch's service, a seq in
//    1..2^53-1, a known level, text within the limits, a ts in the one stored form
//    (ingest/timestamp.h: it parses and formats back to itself), and attrs that are null or a
//    flat JSON object;
//  - runs and seq_index describe exactly the rows' seqs;
//  - the same body parsed again by the same parser (which reuses its buffers) gives the same
//    rows;
//  - the log:new rendering of each row (queue/copy_row.h) is valid JSON carrying the row's
//    message, requestId and attrs unchanged.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "backend/ingest/batch_parser.h"
#include "backend/ingest/timestamp.h"
#include "backend/queue/copy_row.h"
#include "check.h"

namespace tracehub::fuzz {
namespace {

using ingest::parsed_batch;
using ingest::rejection;

// Small limits, so inputs of a few hundred bytes reach every limit's edge.
constexpr ingest::limits fuzz_limits{.max_body_bytes = 64 * 1024,
                                     .max_entries = 64,
                                     .max_message_bytes = 256,
                                     .max_request_id_chars = 16,
                                     .max_gap = 100'000};
constexpr std::int64_t received_at_ms = 1'764'000'000'000;

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    auto at = s.find(sep);
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + 1);
  }
}

std::size_t code_points(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::optional<std::int64_t> decimal_seq(std::string_view s) {
  if (s.empty() || s.size() > 16 || s[0] == '0') return std::nullopt;
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// A text column that may be \N: nullopt for \N, else its unescaped text (checked).
std::optional<std::string> nullable_text(std::string_view column) {
  if (column == "\\N") return std::nullopt;
  auto text = copy_unescape(column);
  FUZZ_CHECK(text.has_value(), "a column carries an escape COPY would read differently");
  return text;
}

bool flat_object(const boost::json::value& v) {
  if (!v.is_object()) return false;
  return std::all_of(v.as_object().begin(), v.as_object().end(), [](const auto& kv) {
    return !kv.value().is_object() && !kv.value().is_array();
  });
}

// Checks one row and returns its seq.
std::int64_t check_row(std::string_view row, const parsed_batch& b) {
  auto col = split(row, '\t');
  FUZZ_CHECK(col.size() == 7, "a row has seven columns");
  FUZZ_CHECK(copy_unescape(col[0]) == b.service, "the service column is the batch's service");

  auto seq = decimal_seq(col[1]);
  FUZZ_CHECK(seq && *seq >= 1 && *seq <= ingest::max_seq, "seq is a decimal in 1..2^53-1");

  static const std::set<std::string_view> levels = {"debug", "info", "warn", "error", "fatal"};
  FUZZ_CHECK(levels.contains(col[2]), "level is one of the five normalised levels");

  auto message = copy_unescape(col[3]);
  FUZZ_CHECK(message.has_value(), "the message column unescapes");
  FUZZ_CHECK(message->size() <= fuzz_limits.max_message_bytes, "message within its limit");
  FUZZ_CHECK(message->find('\0') == std::string::npos, "message holds no NUL");

  auto request_id = nullable_text(col[4]);
  if (request_id) {
    FUZZ_CHECK(code_points(*request_id) <= fuzz_limits.max_request_id_chars,
               "requestId within its limit");
    FUZZ_CHECK(request_id->find('\0') == std::string::npos, "requestId holds no NUL");
  }

  auto ts = ingest::parse_rfc3339_us(col[5]);
  FUZZ_CHECK(ts && ingest::format_epoch_us(*ts) == col[5], "ts is in its one stored form");

  auto attrs_text = nullable_text(col[6]);
  std::optional<boost::json::value> attrs;
  if (attrs_text) {
    boost::system::error_code ec;
    attrs = boost::json::parse(*attrs_text, ec);
    FUZZ_CHECK(!ec, "attrs is JSON");
    FUZZ_CHECK(flat_object(*attrs), "attrs is a flat object");
  }

  // The real-time channel renders stored rows without a JSON library; it must agree.
  auto event = queue::log_entry_json(row);
  FUZZ_CHECK(event.has_value(), "log_entry_json reads every accepted row");
  boost::system::error_code ec;
  auto v = boost::json::parse(*event, ec);
  FUZZ_CHECK(!ec && v.is_object(), "log:new payload is a JSON object");
  const auto& o = v.as_object();
  FUZZ_CHECK(o.at("message").as_string() == *message, "log:new carries the message unchanged");
  FUZZ_CHECK(request_id
                 ? o.at("requestId").is_string() && o.at("requestId").as_string() == *request_id
                 : o.at("requestId").is_null(),
             "log:new carries requestId unchanged");
  FUZZ_CHECK(attrs ? o.at("attrs") == *attrs : o.at("attrs").is_null(),
             "log:new carries attrs unchanged");
  return *seq;
}

void check_accepted(const parsed_batch& b) {
  FUZZ_CHECK(!b.service.empty() && b.service.size() <= 64, "service is 1-64 characters");
  FUZZ_CHECK(b.producer_id.empty() || tracehub::ingest::valid_producer_id(b.producer_id),
             "a producer id is valid or absent");
  FUZZ_CHECK(b.rows.empty() || b.rows.back() == '\n', "rows end with a newline");
  FUZZ_CHECK(valid_utf8(b.rows), "rows are valid UTF-8");
  FUZZ_CHECK(b.rows.find('\0') == std::string::npos, "rows hold no NUL");
  FUZZ_CHECK(b.entries >= 1 && b.entries <= fuzz_limits.max_entries, "entries within limits");
  FUZZ_CHECK(b.error_entries <= b.entries, "error entries are entries");

  std::string_view rows = b.rows;
  rows.remove_suffix(rows.empty() ? 0 : 1);
  std::set<std::int64_t> row_seqs;
  std::size_t row_count = 0;
  for (auto row : split(rows, '\n')) {
    ++row_count;
    FUZZ_CHECK(row_seqs.insert(check_row(row, b)).second, "no seq is rendered twice");
  }
  FUZZ_CHECK(row_count + b.in_batch_duplicates == b.entries, "one row per distinct seq");

  FUZZ_CHECK(b.seq_index.size() == row_count, "seq_index has one entry per row");
  std::int64_t previous = 0;
  for (auto [seq, index] : b.seq_index) {
    FUZZ_CHECK(seq > previous, "seq_index ascends strictly");
    FUZZ_CHECK(row_seqs.contains(seq), "seq_index names rendered seqs");
    FUZZ_CHECK(index < b.entries, "seq_index points into the batch");
    previous = seq;
  }

  std::int64_t covered = 0, last_hi = -1;
  for (const auto& r : b.runs) {
    FUZZ_CHECK(r.lo <= r.hi && r.lo > last_hi + 1, "runs ascend, disjoint and not adjacent");
    FUZZ_CHECK(r.size() <= static_cast<std::int64_t>(row_count) - covered,
               "runs hold no more seqs than rows");
    for (auto s = r.lo; s <= r.hi; ++s)
      FUZZ_CHECK(row_seqs.contains(s), "runs hold only rendered seqs");
    covered += r.size();
    last_hi = r.hi;
  }
  FUZZ_CHECK(covered == static_cast<std::int64_t>(row_count), "runs cover every rendered seq");
}

void check_rejected(const rejection& r) {
  FUZZ_CHECK(r.http_status == 400 || r.http_status == 413, "a rejection is a 400 or a 413");
  FUZZ_CHECK(!r.code.empty() && !r.detail.empty(), "a rejection has a code and a detail");
  FUZZ_CHECK(!r.index || *r.index < fuzz_limits.max_entries, "the index names a real entry");
}

}  // namespace
}  // namespace tracehub::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tracehub;
  static ingest::batch_parser parser(fuzz::fuzz_limits);
  const std::string input(reinterpret_cast<const char*>(data), size);

  std::string body = input;
  auto first = parser.parse(body, fuzz::received_at_ms);
  if (const auto* r = std::get_if<ingest::rejection>(&first)) {
    fuzz::check_rejected(*r);
  } else {
    fuzz::check_accepted(std::get<ingest::parsed_batch>(first));
  }

  body = input;
  auto again = parser.parse(body, fuzz::received_at_ms);
  FUZZ_CHECK(first.index() == again.index(), "a reparse gives the same verdict");
  if (const auto* b = std::get_if<ingest::parsed_batch>(&first)) {
    const auto& b2 = std::get<ingest::parsed_batch>(again);
    FUZZ_CHECK(b->rows == b2.rows && b->runs == b2.runs, "a reparse gives the same rows");
  }
  return 0;
}
