// Jinja lexer (jinja_lexer.hpp). The whitespace rules are applied while scanning instead of by rewriting the text
// first (as @huggingface/jinja does with regular expressions), so that every offset stays an offset into the
// template the user wrote.
#include "tokenizer/jinja_lexer.hpp"

#include <cstdint>

#include <fmt/format.h>

#include "tokenizer/jinja_error.hpp"
#include "tokenizer/jinja_text.hpp"

namespace trafl::chat {

namespace {

// The whitespace `{%-` and `-%}` strip: ECMAScript's (what @huggingface/jinja's trimEnd() uses), which for
// the characters chat templates contain around tags (space, tab, newline) is also Python's \s.
bool is_strip_space(std::uint32_t cp) {
  return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
         cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
}

std::size_t skip_space_forward(std::string_view s, std::size_t i, std::size_t end) {
  while (i < end) {
    std::uint32_t cp;
    std::size_t n = utf8_next(s, i, &cp);
    if (!is_strip_space(cp)) break;
    i += n;
  }
  return i;
}

std::size_t skip_space_backward(std::string_view s, std::size_t begin, std::size_t end) {
  while (end > begin) {
    std::size_t k = end - 1;
    while (k > begin && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) --k;
    std::uint32_t cp;
    utf8_next(s, k, &cp);
    if (!is_strip_space(cp)) break;
    end = k;
  }
  return end;
}

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

class Lexer {
 public:
  Lexer(std::string_view src, const std::string& name, Whitespace ws) : src_(src), name_(name), ws_(ws) {
    // keep_trailing_newline=False: one final "\n" is not part of the template.
    end_ = src_.size();
    if (!ws_.keep_trailing_newline && end_ > 0 && src_[end_ - 1] == '\n') --end_;
  }

  std::vector<Token> run() {
    std::size_t i = 0;
    bool strip_next = false;   // the last tag ended with `-%}` / `-}}` / `-#}`
    bool block_ended = false;  // the last tag was a `%}` or `#}` (trim_blocks)
    while (i < end_) {
      std::size_t tag = find_tag(i);
      std::size_t text_begin = i, text_end = tag;
      if (strip_next)
        text_begin = skip_space_forward(src_, text_begin, text_end);
      else if (ws_.trim_blocks && block_ended && text_begin < text_end && src_[text_begin] == '\n')
        ++text_begin;
      if (tag < end_) {
        const char kind = src_[tag + 1];
        const bool dash = tag + 2 < end_ && src_[tag + 2] == '-';
        if (dash) {
          text_end = skip_space_backward(src_, text_begin, text_end);
        } else if (ws_.lstrip_blocks && (kind == '%' || kind == '#')) {
          // lstrip_blocks: spaces/tabs between the line's start and the tag go.
          std::size_t p = tag;
          while (p > 0 && (src_[p - 1] == ' ' || src_[p - 1] == '\t')) --p;
          if ((p == 0 || src_[p - 1] == '\n' || src_[p - 1] == '\r') && p >= text_begin) text_end = p;
        }
      }
      if (text_end > text_begin)
        out_.push_back({Tok::kText, std::string(src_.substr(text_begin, text_end - text_begin)), text_begin});
      if (tag >= end_) break;
      i = lex_tag(tag, &strip_next, &block_ended);
    }
    out_.push_back({Tok::kEnd, "", end_});
    return std::move(out_);
  }

 private:
  std::size_t find_tag(std::size_t i) const {
    while (true) {
      std::size_t p = src_.find('{', i);
      if (p == std::string_view::npos || p + 1 >= end_) return end_;
      const char c = src_[p + 1];
      if (c == '{' || c == '%' || c == '#') return p;
      i = p + 1;
    }
  }

  [[noreturn]] void fail(std::size_t pos, const std::string& msg) const { throw TemplateError(name_, src_, pos, msg); }

  // Lexes the tag starting at `tag` ("{{", "{%" or "{#"); returns the offset after it.
  std::size_t lex_tag(std::size_t tag, bool* strip_next, bool* block_ended) {
    const char kind = src_[tag + 1];
    std::size_t i = tag + 2;
    if (i < end_ && src_[i] == '-') ++i;
    if (kind == '#') {
      std::size_t close = src_.find("#}", i);
      if (close == std::string_view::npos || close + 2 > end_) fail(tag, "comment `{#` is never closed by `#}`");
      *strip_next = close > i && src_[close - 1] == '-';
      *block_ended = true;
      return close + 2;
    }
    out_.push_back({kind == '%' ? Tok::kOpenStmt : Tok::kOpenExpr, "", tag});
    int braces = 0;  // dict literals inside the tag: their "}" is not the tag's end
    while (true) {
      while (i < end_ && (src_[i] == ' ' || src_[i] == '\t' || src_[i] == '\n' || src_[i] == '\r')) ++i;
      if (i >= end_)
        fail(tag, kind == '%' ? "statement `{%` is never closed by `%}`" : "expression `{{` is never closed by `}}`");
      const char c = src_[i];
      const char close_kind = kind == '%' ? '%' : '}';
      // The tag's end: "%}" / "}}", optionally preceded by "-". Inside a dict literal "}}" closes braces.
      auto at = [&](std::size_t k) { return k < end_ ? src_[k] : '\0'; };
      const bool dash = c == '-' && at(i + 1) == close_kind && at(i + 2) == '}';
      const std::size_t j = dash ? i + 1 : i;
      if (at(j) == close_kind && at(j + 1) == '}' && !(kind == '{' && braces > 0 && !dash)) {
        out_.push_back({kind == '%' ? Tok::kCloseStmt : Tok::kCloseExpr, "", i});
        *strip_next = dash;
        *block_ended = kind == '%';
        return j + 2;
      }
      if (c == '\'' || c == '"') {
        i = lex_string(i);
        continue;
      }
      if (is_digit(c)) {
        std::size_t b = i;
        while (i < end_ && is_digit(src_[i])) ++i;
        bool is_float = false;
        if (i + 1 < end_ && src_[i] == '.' && is_digit(src_[i + 1]) &&
            !(out_.back().type == Tok::kOp && out_.back().value == ".")) {
          is_float = true;
          ++i;
          while (i < end_ && is_digit(src_[i])) ++i;
        }
        out_.push_back({is_float ? Tok::kFloat : Tok::kInt, std::string(src_.substr(b, i - b)), b});
        continue;
      }
      if (is_name_start(c)) {
        std::size_t b = i;
        while (i < end_ && (is_name_start(src_[i]) || is_digit(src_[i]))) ++i;
        out_.push_back({Tok::kName, std::string(src_.substr(b, i - b)), b});
        continue;
      }
      static const char* const kTwo[] = {"**", "//", "==", "!=", "<=", ">="};
      bool matched = false;
      for (const char* op : kTwo)
        if (i + 1 < end_ && src_[i] == op[0] && src_[i + 1] == op[1]) {
          out_.push_back({Tok::kOp, op, i});
          i += 2;
          matched = true;
          break;
        }
      if (matched) continue;
      if (std::string_view("+-*/%~<>=()[]{},.:|").find(c) != std::string_view::npos) {
        if (c == '{') ++braces;
        if (c == '}') --braces;
        out_.push_back({Tok::kOp, std::string(1, c), i});
        ++i;
        continue;
      }
      fail(i, fmt::format("unexpected character '{}' inside a tag", c));
    }
  }

  std::size_t lex_string(std::size_t start) {
    const char quote = src_[start];
    std::string value;
    std::size_t i = start + 1;
    while (true) {
      if (i >= end_) fail(start, "string literal is never closed");
      const char c = src_[i];
      if (c == quote) break;
      if (c != '\\') {
        value += c;
        ++i;
        continue;
      }
      if (i + 1 >= end_) fail(start, "string literal is never closed");
      const char e = src_[i + 1];
      i += 2;
      switch (e) {
        case 'n': value += '\n'; break;
        case 't': value += '\t'; break;
        case 'r': value += '\r'; break;
        case 'b': value += '\b'; break;
        case 'f': value += '\f'; break;
        case 'v': value += '\v'; break;
        case '\'': value += '\''; break;
        case '"': value += '"'; break;
        case '\\': value += '\\'; break;
        case 'x':
        case 'u': {
          const std::size_t n = e == 'x' ? 2 : 4;
          if (i + n > end_) fail(i - 2, "truncated \\x or \\u escape");
          std::uint32_t cp = 0;
          for (std::size_t k = 0; k < n; ++k) {
            const char h = src_[i + k];
            const int d = is_digit(h)              ? h - '0'
                          : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                          : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                                   : -1;
            if (d < 0) fail(i - 2, "invalid hexadecimal escape");
            cp = cp * 16 + static_cast<std::uint32_t>(d);
          }
          if (cp >= 0xD800 && cp <= 0xDFFF) fail(i - 2, "a \\u escape of a UTF-16 surrogate is not supported");
          utf8_append(value, cp);
          i += n;
          break;
        }
        default: fail(i - 2, fmt::format("unsupported escape '\\{}' in a string literal", e));
      }
    }
    out_.push_back({Tok::kString, std::move(value), start});
    return i + 1;
  }

  std::string_view src_;
  const std::string& name_;
  const Whitespace ws_;
  std::size_t end_ = 0;
  std::vector<Token> out_;
};

}  // namespace

std::vector<Token> tokenize(std::string_view source, const std::string& source_name, Whitespace ws) {
  return Lexer(source, source_name, ws).run();
}

}  // namespace trafl::chat
