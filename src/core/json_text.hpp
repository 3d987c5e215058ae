#pragma once
// The one strict JSON parser every reader of user files goes through (JSONL lines, whole JSON files,
// tokenizer.json, config.json, LCB test lists, option files). Stricter than nlohmann's defaults where
// those defaults hide a bad file:
//   - a key that appears twice in one object is refused, naming the key (nlohmann keeps the last one,
//     so a hand-edited file could silently mean something else);
//   - a number outside the double range (1e999) is refused with the number's text (nlohmann throws an
//     out_of_range.406 that no caller expected, with no position);
//   - nesting deeper than kMaxJsonDepth is refused (code that walks the value recurses; a hostile file
//     of a million '[' would overflow the stack there);
// and every message is plain text without nlohmann's "[json.exception.…]" prefix. The caller adds
// file:line (InputError).
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace trafl {

constexpr int kMaxJsonDepth = 512;  // far above any real file here (tokenizer.json: ~6 levels)

class JsonTextError : public std::runtime_error {
 public:
  // line: 1-based line within the text where known (0: unknown).
  JsonTextError(const std::string& message, std::size_t line) : std::runtime_error(message), line_(line) {}
  std::size_t line() const { return line_; }

 private:
  std::size_t line_;
};

// Parses one JSON value from `text` (all of it; trailing non-space is an error).
nlohmann::json parse_json_text(std::string_view text);

}  // namespace trafl
