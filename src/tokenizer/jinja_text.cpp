#include "tokenizer/jinja_text.hpp"

#include "tokenizer/internal.hpp"

namespace trafl::chat {

std::size_t utf8_next(std::string_view s, std::size_t i, std::uint32_t* cp) {
  const auto b = static_cast<unsigned char>(s[i]);
  std::size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 1;
  if (i + n > s.size()) n = 1;
  for (std::size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) n = 1;
  std::uint32_t v = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
  for (std::size_t k = 1; k < n; ++k) v = (v << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  *cp = v;
  return n;
}

// The tokenizer's encoder (one UTF-8 writer for the layer).
void utf8_append(std::string& out, std::uint32_t cp) { tok::detail::utf8_append(out, cp); }

std::vector<std::string> code_points(std::string_view s) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < s.size();) {
    std::uint32_t cp;
    std::size_t n = utf8_next(s, i, &cp);
    out.emplace_back(s.substr(i, n));
    i += n;
  }
  return out;
}

bool python_space(std::uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

std::string python_strip(std::string_view s, bool left, bool right, const std::optional<std::string>& chars) {
  std::vector<std::uint32_t> set;
  if (chars)
    for (std::size_t i = 0; i < chars->size();) {
      std::uint32_t cp;
      i += utf8_next(*chars, i, &cp);
      set.push_back(cp);
    }
  auto strip_it = [&](std::uint32_t cp) {
    if (!chars) return python_space(cp);
    for (std::uint32_t c : set)
      if (c == cp) return true;
    return false;
  };
  std::size_t b = 0, e = s.size();
  if (left)
    while (b < e) {
      std::uint32_t cp;
      std::size_t n = utf8_next(s, b, &cp);
      if (!strip_it(cp)) break;
      b += n;
    }
  if (right)
    while (e > b) {
      std::size_t k = e - 1;
      while (k > b && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) --k;
      std::uint32_t cp;
      std::size_t n = utf8_next(s, k, &cp);
      if (k + n != e) n = 1, k = e - 1, cp = static_cast<unsigned char>(s[k]);  // a stray continuation byte
      if (!strip_it(cp)) break;
      e = k;
    }
  return std::string(s.substr(b, e - b));
}

}  // namespace trafl::chat
