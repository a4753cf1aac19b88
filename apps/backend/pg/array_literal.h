// pg/array_literal.h — a Postgres array literal ("{a,b,c}") built token by token, for the
// `$n::text[]` / `$n::bigint[]` parameters of batched statements. Tokens are written as they are:
// only plain tokens (numbers, and names validated to hold no quotes, commas, braces, backslashes
// or spaces: service names, batch ids, levels) may be added.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tracehub::pg {

class array_literal {
 public:
  void add(std::string_view token) {
    text_ += text_.empty() ? "{" : ",";
    text_ += token;
  }
  void add(std::int64_t n) { add(std::to_string(n)); }
  bool empty() const { return text_.empty(); }
  std::string str() const { return text_.empty() ? "{}" : text_ + "}"; }

 private:
  std::string text_;
};

}  // namespace tracehub::pg
