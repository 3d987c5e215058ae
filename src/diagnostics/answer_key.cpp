#include "diagnostics/answer_key.hpp"

#include <array>
#include <cctype>

namespace trafl::diagnostics {

std::string math_answer_key(std::string_view s) {
  // Longest first so that "\left" is not eaten as "\l" + "eft" by a shorter rule.
  static const std::array<std::string_view, 9> kDrop = {
      "\\displaystyle", "\\right", "\\left", "\\,", "\\;", "\\:", "\\!", "\\ ", "$"};
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    bool dropped = false;
    for (auto d : kDrop) {
      if (s.compare(i, d.size(), d) == 0) {
        i += d.size();
        dropped = true;
        break;
      }
    }
    if (dropped) continue;
    if (!std::isspace(static_cast<unsigned char>(s[i]))) out += s[i];
    ++i;
  }
  return out;
}

std::string code_answer_key(std::string_view program) {
  std::string out;
  std::string line;
  char quote = 0;       // inside a string literal opened by this quote char
  bool triple = false;  // the literal is triple-quoted (may span lines)
  auto flush_line = [&] {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.pop_back();
    if (!line.empty()) {
      out += line;
      out += '\n';
    }
    line.clear();
  };
  for (std::size_t i = 0; i < program.size(); ++i) {
    const char ch = program[i];
    if (quote) {
      line += ch;
      if (ch == '\\' && i + 1 < program.size()) {
        line += program[++i];
      } else if (ch == quote) {
        if (!triple) {
          quote = 0;
        } else if (program.compare(i, 3, std::string(3, quote)) == 0) {
          line += program.substr(i + 1, 2);
          i += 2;
          quote = 0;
        }
      } else if (ch == '\n') {
        if (!triple) quote = 0;  // an unterminated one-line literal ends with its line
        flush_line();
      }
      continue;
    }
    if (ch == '#') {  // comment: skip to end of line
      while (i + 1 < program.size() && program[i + 1] != '\n') ++i;
      continue;
    }
    if (ch == '\n') {
      flush_line();
      continue;
    }
    if (ch == '"' || ch == '\'') {
      quote = ch;
      triple = program.compare(i, 3, std::string(3, ch)) == 0;
      line += ch;
      if (triple) {
        line += program.substr(i + 1, 2);
        i += 2;
      }
      continue;
    }
    if (ch == ' ' || ch == '\t' || ch == '\r') {
      // Leading indentation is kept (it is Python syntax); later blank runs become one space.
      bool leading = line.find_first_not_of(' ') == std::string::npos;
      if (leading)
        line += (ch == '\t' ? std::string(4, ' ') : std::string(ch == ' ' ? 1 : 0, ' '));
      else if (!line.empty() && line.back() != ' ')
        line += ' ';
      continue;
    }
    line += ch;
  }
  flush_line();
  return out;
}

}  // namespace trafl::diagnostics
