#pragma once
// UTF-8 string helpers with Python's semantics (src/tokenizer/jinja_*): Jinja's filters and str methods as `transformers`
// runs them count and slice code points and strip Python's whitespace.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trafl::chat {

// One code point at byte `i` (a byte that starts no valid sequence counts as itself); returns its length.
std::size_t utf8_next(std::string_view s, std::size_t i, std::uint32_t* cp);
void utf8_append(std::string& out, std::uint32_t cp);
std::vector<std::string> code_points(std::string_view s);  // each code point as its own UTF-8 string
bool python_space(std::uint32_t cp);                       // str.isspace()
// str.strip / lstrip / rstrip: without `chars` Python whitespace, else any code point of `chars`.
std::string python_strip(std::string_view s, bool left, bool right, const std::optional<std::string>& chars = {});

}  // namespace trafl::chat
