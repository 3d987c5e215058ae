#include "grading/boxed.hpp"

#include <algorithm>
#include <vector>

namespace trafl {

namespace {

bool alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }

// Start of every `\boxed` / `\fbox` that is a whole command (not e.g. `\boxedx`), in order.
std::vector<std::size_t> box_commands(std::string_view text) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] != '\\') continue;
    for (std::string_view cmd : {std::string_view("\\boxed"), std::string_view("\\fbox")}) {
      if (text.compare(i, cmd.size(), cmd) != 0) continue;
      std::size_t after = i + cmd.size();
      if (after >= text.size() || !alpha(text[after])) out.push_back(i);
    }
  }
  return out;
}

struct Box {
  std::string content;
  std::size_t end = 0;  // one past the box
};

// The brace group at `i` (text[i] == '{'); escaped braces \{ \} skipped unless `naive`.
std::optional<Box> brace_group(std::string_view text, std::size_t i, bool naive) {
  int depth = 0;
  for (std::size_t j = i; j < text.size(); ++j) {
    if (!naive && text[j] == '\\' && j + 1 < text.size()) {
      ++j;
      continue;
    }
    if (text[j] == '{') ++depth;
    if (text[j] == '}' && --depth == 0) return Box{std::string(text.substr(i + 1, j - i - 1)), j + 1};
  }
  return std::nullopt;
}

std::optional<Box> box_at(std::string_view text, std::size_t start) {
  std::size_t after = start + (text.compare(start, 6, "\\boxed") == 0 ? 6 : 5);
  std::size_t i = after;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  if (i < text.size() && text[i] == '{') {
    if (auto b = brace_group(text, i, false)) return b;
    return brace_group(text, i, true);  // \boxed{185\}: the content's last character is a backslash
  }
  if (i == after) return std::nullopt;  // "\boxed" followed directly by something that is not a brace
  // "\boxed 5$" form: up to the next '$' or newline.
  std::size_t end = text.find_first_of("$\n", i);
  if (end == std::string_view::npos) end = text.size();
  std::string content(text.substr(i, end - i));
  while (!content.empty() && (content.back() == ' ' || content.back() == '.')) content.pop_back();
  if (content.empty()) return std::nullopt;
  return Box{content, end};
}

// Text between two boxes that joins them into one answer: spacing, math delimiters, punctuation
// and the words "and"/"or" (bare, in \text{} or between \quad), nothing else, and not much of it.
bool connective(std::string_view gap) {
  if (gap.size() > 48) return false;
  std::string g(gap);
  for (const char* w : {"\\text{and}", "\\text{ and }", "\\text{ and}", "\\text{and }", "\\text{or}", "\\text{ or }",
                        "\\qquad", "\\quad", "\\(", "\\)", "\\[", "\\]", "\\,", "and", "or"}) {
    std::size_t p;
    while ((p = g.find(w)) != std::string::npos) g.replace(p, std::string_view(w).size(), " ");
  }
  for (char c : g)
    if (!(c == ' ' || c == '\t' || c == '\n' || c == '$' || c == ',' || c == ';')) return false;
  return true;
}

}  // namespace

std::optional<std::string> last_boxed_content(std::string_view text) {
  auto starts = box_commands(text);
  if (starts.empty()) return std::nullopt;
  auto b = box_at(text, starts.back());
  if (!b) return std::nullopt;
  return b->content;
}

std::optional<std::string> last_boxed_group(std::string_view text, std::vector<std::string>* out_parts) {
  auto starts = box_commands(text);
  if (out_parts) out_parts->clear();
  if (starts.empty()) return std::nullopt;
  auto last = box_at(text, starts.back());
  if (!last) return std::nullopt;
  std::vector<std::string> parts{last->content};
  std::size_t next_start = starts.back();
  for (std::size_t k = starts.size() - 1; k-- > 0;) {
    auto b = box_at(text, starts[k]);
    if (!b || b->end > next_start || !connective(text.substr(b->end, next_start - b->end))) break;
    parts.push_back(b->content);
    next_start = starts[k];
  }
  std::string joined;
  for (std::size_t k = parts.size(); k-- > 0;) joined += (joined.empty() ? "" : ", ") + parts[k];
  if (out_parts) out_parts->assign(parts.rbegin(), parts.rend());
  return joined;
}

}  // namespace trafl
