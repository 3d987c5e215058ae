#include "grading/boxed.hpp"

#include <algorithm>

namespace trafl {

namespace {

// Position just after the last occurrence of `\boxed` or `\fbox` that is a whole command
// (not e.g. `\boxedx`), or npos.
std::size_t last_box_command(std::string_view text, std::size_t& command_start) {
  std::size_t best = std::string_view::npos;
  for (std::string_view cmd : {std::string_view("\\boxed"), std::string_view("\\fbox")}) {
    std::size_t pos = text.size();
    while (pos > 0) {
      std::size_t found = text.rfind(cmd, pos - 1);
      if (found == std::string_view::npos) break;
      std::size_t after = found + cmd.size();
      bool whole = after >= text.size() || !std::isalpha(static_cast<unsigned char>(text[after]));
      if (whole) {
        if (best == std::string_view::npos || found > command_start) {
          command_start = found;
          best = after;
        }
        break;
      }
      pos = found;
    }
  }
  return best;
}

}  // namespace

std::optional<std::string> last_boxed_content(std::string_view text) {
  std::size_t start = 0;
  std::size_t after = last_box_command(text, start);
  if (after == std::string_view::npos) return std::nullopt;
  std::size_t i = after;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  if (i < text.size() && text[i] == '{') {
    int depth = 0;
    for (std::size_t j = i; j < text.size(); ++j) {
      if (text[j] == '\\' && j + 1 < text.size()) {  // skip escaped braces \{ \}
        ++j;
        continue;
      }
      if (text[j] == '{') ++depth;
      if (text[j] == '}' && --depth == 0) return std::string(text.substr(i + 1, j - i - 1));
    }
    return std::nullopt;  // unclosed
  }
  if (i == after) return std::nullopt;  // "\boxed" followed directly by something that is not a brace
  // "\boxed 5$" form: up to the next '$' or newline.
  std::size_t end = text.find_first_of("$\n", i);
  std::string content(text.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i));
  while (!content.empty() && (content.back() == ' ' || content.back() == '.')) content.pop_back();
  if (content.empty()) return std::nullopt;
  return content;
}

}  // namespace trafl
