// UTF-8 helpers, the GPT-2 byte↔unicode table, lossy decoding, character classes, NormalizedString,
// and the error helpers shared by the tokenizer components.
#include <utf8proc.h>

#include <array>

#include "core/error.hpp"
#include "tokenizer/internal.hpp"

namespace trafl::tok {

namespace detail {

Ctx::Ctx(std::string file, std::string path) : file_(std::make_shared<const std::string>(std::move(file))) {
  if (!path.empty()) node_ = std::make_shared<const Node>(Node{nullptr, std::move(path), false, 0});
}

Ctx Ctx::child(std::string segment, bool index) const {
  if (depth() >= kMaxComponentDepth)
    fail(*this, "tokenizer components are nested deeper than " + std::to_string(kMaxComponentDepth) + " levels");
  Ctx c(*this);
  c.node_ = std::make_shared<const Node>(Node{node_, std::move(segment), index, depth() + 1});
  return c;
}

Ctx Ctx::at(const std::string& key) const { return child(key, false); }
Ctx Ctx::at(std::size_t index) const { return child("[" + std::to_string(index) + "]", true); }

std::string Ctx::path() const {
  std::vector<const Node*> chain;
  for (const Node* n = node_.get(); n; n = n->parent.get()) chain.push_back(n);
  std::string out;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if (!out.empty() && !(*it)->index) out += '.';
    out += (*it)->segment;
  }
  return out;
}

void fail(const Ctx& ctx, const std::string& message) { throw InputError(ctx.file(), 0, ctx.path(), message); }

void unsupported(const Ctx& ctx, const std::string& type) {
  std::string path = ctx.path();
  throw InputError(ctx.file(), 0, "",
                   "unsupported tokenizer component " + type + " at " + (path.empty() ? "<root>" : path));
}

bool get_bool(const nlohmann::json& j, const char* key, bool fallback, const Ctx& ctx) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) fail(ctx.at(key), "expected true or false");
  return it->get<bool>();
}

std::string get_string(const nlohmann::json& j, const char* key, const std::string& fallback, const Ctx& ctx) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_string()) fail(ctx.at(key), "expected a string");
  return it->get<std::string>();
}

std::size_t utf8_decode(std::string_view s, std::size_t i, std::uint32_t* cp) {
  auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  std::size_t len = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : 2;
  std::uint32_t c = b0 & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
  for (std::size_t k = 1; k < len && i + k < s.size(); ++k)
    c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  *cp = c;
  return len;
}

void utf8_append(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool is_unicode_whitespace(std::uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

bool is_unicode_numeric(std::uint32_t cp) {
  auto c = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
  return c == UTF8PROC_CATEGORY_ND || c == UTF8PROC_CATEGORY_NL || c == UTF8PROC_CATEGORY_NO;
}

bool is_unicode_alphanumeric(std::uint32_t cp) {
  auto c = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
  return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) || is_unicode_numeric(cp);
}

NormalizedString NormalizedString::original(std::string_view s, std::size_t base) {
  NormalizedString n;
  n.text.assign(s.data(), s.size());
  n.start.resize(s.size());
  n.end.resize(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    std::uint32_t cp;
    std::size_t len = utf8_decode(s, i, &cp);
    for (std::size_t k = i; k < i + len && k < s.size(); ++k) {
      n.start[k] = base + i;
      n.end[k] = base + i + len;
    }
    i += len;
  }
  return n;
}

NormalizedString NormalizedString::slice(std::size_t b, std::size_t e) const {
  NormalizedString n;
  n.text = text.substr(b, e - b);
  n.start.assign(start.begin() + static_cast<std::ptrdiff_t>(b), start.begin() + static_cast<std::ptrdiff_t>(e));
  n.end.assign(end.begin() + static_cast<std::ptrdiff_t>(b), end.begin() + static_cast<std::ptrdiff_t>(e));
  return n;
}

void NormalizedString::append(const NormalizedString& other) {
  text += other.text;
  start.insert(start.end(), other.start.begin(), other.start.end());
  end.insert(end.end(), other.end.begin(), other.end.end());
}

void NormalizedString::append_replaced(std::string_view bytes, std::size_t os, std::size_t oe) {
  text.append(bytes.data(), bytes.size());
  start.insert(start.end(), bytes.size(), os);
  end.insert(end.end(), bytes.size(), oe);
}

}  // namespace detail

namespace {
struct ByteTable {
  std::array<std::string, 256> to_char;
  std::array<int, 512> to_byte{};
  ByteTable() {
    to_byte.fill(-1);
    std::array<bool, 256> direct{};
    for (int b = '!'; b <= '~'; ++b) direct[b] = true;
    for (int b = 0xA1; b <= 0xAC; ++b) direct[b] = true;
    for (int b = 0xAE; b <= 0xFF; ++b) direct[b] = true;
    int n = 0;
    for (int b = 0; b < 256; ++b) {
      std::uint32_t cp = direct[b] ? static_cast<std::uint32_t>(b) : static_cast<std::uint32_t>(256 + n++);
      detail::utf8_append(to_char[b], cp);
      to_byte[cp] = b;
    }
  }
};
const ByteTable& byte_table() {
  static const ByteTable table;
  return table;
}

// Length of the valid prefix of a multi-byte sequence starting at s[i] (0 when s[i] cannot start one),
// and whether it is complete.
std::size_t valid_sequence(std::string_view s, std::size_t i, bool* complete) {
  auto b0 = static_cast<unsigned char>(s[i]);
  *complete = false;
  std::size_t len;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 == 0xE0) {
    len = 3, lo = 0xA0;
  } else if ((b0 >= 0xE1 && b0 <= 0xEC) || b0 == 0xEE || b0 == 0xEF) {
    len = 3;
  } else if (b0 == 0xED) {
    len = 3, hi = 0x9F;
  } else if (b0 == 0xF0) {
    len = 4, lo = 0x90;
  } else if (b0 >= 0xF1 && b0 <= 0xF3) {
    len = 4;
  } else if (b0 == 0xF4) {
    len = 4, hi = 0x8F;
  } else {
    return 0;
  }
  std::size_t k = 1;
  for (; k < len; ++k) {
    if (i + k >= s.size()) return k;
    auto b = static_cast<unsigned char>(s[i + k]);
    unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
    if (b < l || b > h) return k;
  }
  *complete = true;
  return len;
}
}  // namespace

const std::string& byte_to_unicode(std::uint8_t byte) { return byte_table().to_char[byte]; }

int unicode_to_byte(std::uint32_t code_point) { return code_point < 512 ? byte_table().to_byte[code_point] : -1; }

std::string utf8_lossy(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      out += s[i++];
      continue;
    }
    bool complete;
    std::size_t n = valid_sequence(s, i, &complete);
    if (complete) {
      out.append(s.data() + i, n);
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      i += n == 0 ? 1 : n;
    }
  }
  return out;
}

std::size_t utf8_invalid_at(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    bool complete;
    std::size_t n = valid_sequence(s, i, &complete);
    if (!complete) return i;
    i += n;
  }
  return std::string_view::npos;
}

}  // namespace trafl::tok
