#include "grading/normalize_symbolic.hpp"

#include <array>

#include "grading/text_util.hpp"

namespace trafl::grading {

namespace {

// Unit words dropped when they trail a value ("18 dollars", "15 cm^2", "4 square units").
constexpr std::array<const char*, 48> kUnitWords = {
    "units",   "unit",   "square",  "sq",     "cubic",   "cm",         "mm",      "km",     "m",       "meters",
    "meter",   "metres", "inches",  "inch",   "feet",    "foot",       "ft",      "yards",  "yard",    "miles",
    "mile",    "mph",    "dollars", "dollar", "cents",   "cent",       "degrees", "degree", "seconds", "second",
    "minutes", "minute", "hours",   "hour",   "days",    "day",        "weeks",   "years",  "pounds",  "ounces",
    "grams",   "kg",     "g",       "s",      "percent", "percentage", "pct",     "points"};

bool is_unit_word(std::string_view w) {
  for (const char* u : kUnitWords)
    if (w == u) return true;
  return false;
}

// Removes the command together with its spelling variants' trailing delimiter dot.
void drop_sizing(std::string& s) {
  for (const char* cmd :
       {"\\left", "\\right", "\\bigl", "\\bigr", "\\Bigl", "\\Bigr", "\\biggl", "\\biggr", "\\big", "\\Big"}) {
    std::string_view c(cmd);
    std::size_t pos = 0;
    while ((pos = s.find(c, pos)) != std::string::npos) {
      std::size_t after = pos + c.size();
      if (after < s.size() && is_alpha(s[after])) {  // \leftarrow, \rightarrow, \bigcup, ...
        pos = after;
        continue;
      }
      std::size_t len = c.size();
      if (after < s.size() && s[after] == '.') ++len;  // \left. / \right. are invisible
      s.erase(pos, len);
    }
  }
}

// Drops a trailing \text{...} group (a unit: "5.4 \text{ cents}", "15\text{ cm}^2") when a value
// precedes it. The whole answer being \text{...} (\text{(C)}, \text{Evelyn}) is kept.
bool drop_trailing_text_unit(std::string& s) {
  std::string t = trim(s);
  // Strip a trailing ^2 / ^3 / ^{2} that belongs to the unit.
  std::size_t end = t.size();
  for (const char* pw : {"^{2}", "^{3}", "^2", "^3"})
    if (ends_with(std::string_view(t).substr(0, end), pw)) {
      end -= std::string_view(pw).size();
      break;
    }
  if (end == 0 || t[end - 1] != '}') return false;
  // Find the group's opening brace.
  int depth = 0;
  std::size_t open = std::string::npos;
  for (std::size_t k = end; k-- > 0;) {
    if (t[k] == '}') ++depth;
    if (t[k] == '{' && --depth == 0) {
      open = k;
      break;
    }
  }
  if (open == std::string::npos || open < 5 || t.compare(open - 5, 5, "\\text") != 0) return false;
  std::string before = trim(std::string_view(t).substr(0, open - 5));
  std::string inner = trim(std::string_view(t).substr(open + 1, end - open - 2));
  if (before.empty()) return false;
  // Only words (a unit), not math: \text{ cm}, \text{ square units}, \text{ m/s}.
  for (char c : inner)
    if (!(is_alpha(c) || c == ' ' || c == '/' || c == '.' || c == '-' || c == '~' || c == '\\')) return false;
  if (inner.empty()) {
    s = before;
    return true;
  }
  char last = before.back();
  if (!(is_digit(last) || last == '}' || last == ')' || last == '.' || is_alpha(last))) return false;
  s = before;
  return true;
}

bool drop_trailing_unit_word(std::string& s) {
  std::string t = trim(s);
  std::size_t k = t.size();
  while (k > 0 && is_alpha(t[k - 1])) --k;
  if (k == t.size() || k == 0) return false;
  std::string word = t.substr(k);
  if (!is_unit_word(word)) return false;
  // Must be separated from the value by a space, and the value must end like a number/group.
  if (t[k - 1] != ' ') return false;
  std::string before = trim(std::string_view(t).substr(0, k));
  if (before.empty()) return false;
  char last = before.back();
  if (!(is_digit(last) || last == '}' || last == ')' || is_unit_word(before.substr(before.find_last_of(' ') + 1))))
    return false;
  s = before;
  return true;
}

void drop_thousands_markers(std::string& s) {
  // ",\!" and "{,}" between digits are LaTeX thousands separators: 10,\!080 and 10{,}080.
  for (const char* sep : {",\\!", "{,}"}) {
    std::string_view sv(sep);
    std::size_t pos = 0;
    while ((pos = s.find(sv, pos)) != std::string::npos) {
      std::size_t after = pos + sv.size();
      while (after < s.size() && s[after] == ' ') ++after;
      if (pos > 0 && is_digit(s[pos - 1]) && after < s.size() && is_digit(s[after]))
        s.erase(pos, after - pos);
      else
        pos += sv.size();
    }
  }
}

// One pass over backslash escapes, so that the row separator \\ is never mistaken for the
// start of \, or \[ : math delimiters \( \) \[ \] go, spacing \, \; \: \  becomes a space, \! goes.
std::string drop_escapes(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 >= s.size()) {
      out.push_back(s[i]);
      continue;
    }
    char n = s[i + 1];
    if (n == '\\') {
      out += "\\\\";
    } else if (n == '(' || n == ')' || n == '[' || n == ']' || n == '!') {
      // dropped
    } else if (n == ',' || n == ';' || n == ':' || n == ' ') {
      out.push_back(' ');
    } else {
      out.push_back('\\');
      out.push_back(n);
    }
    ++i;
  }
  return out;
}

// Text that went through one JSON escaping too many writes every command with two backslashes
// ("\\left(\\frac{4}{5}, ...\\right)"). When every backslash run before a letter is of even length
// (no command is written singly), all runs are halved; a single \begin{...} anywhere means the
// text is normal LaTeX and its "\\" are row separators, left alone.
void halve_doubled_backslashes(std::string& s) {
  bool any = false;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] != '\\') {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && s[j] == '\\') ++j;
    if (j < s.size() && is_alpha(s[j])) {
      if ((j - i) % 2 != 0) return;
      any = true;
    }
    i = j;
  }
  if (!any) return;
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] != '\\') {
      out.push_back(s[i++]);
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && s[j] == '\\') ++j;
    out.append((j - i + 1) / 2, '\\');
    i = j;
  }
  s = out;
}

// Replaces the whole command `cmd` (not a longer one: \lt, not \ltimes) with `to`.
void replace_command(std::string& s, std::string_view cmd, std::string_view to) {
  std::size_t pos = 0;
  while ((pos = s.find(cmd, pos)) != std::string::npos) {
    std::size_t after = pos + cmd.size();
    if (after < s.size() && is_alpha(s[after])) {
      pos = after;
      continue;
    }
    s.replace(pos, cmd.size(), to);
    pos += to.size();
  }
}

// Relations in one spelling each: < > \le \ge \ne (from \lt, <=, \leqslant, ≤, !=, ...).
void normalize_relations(std::string& s) {
  replace_command(s, "\\leqslant", "\\le");
  replace_command(s, "\\geqslant", "\\ge");
  replace_command(s, "\\leq", "\\le");
  replace_command(s, "\\geq", "\\ge");
  replace_command(s, "\\neq", "\\ne");
  replace_command(s, "\\lt", "<");
  replace_command(s, "\\gt", ">");
  replace_all(s, "<=", "\\le ");
  replace_all(s, ">=", "\\ge ");
  replace_all(s, "!=", "\\ne ");
  replace_all(s, "\xE2\x89\xA4", "\\le ");  // ≤
  replace_all(s, "\xE2\x89\xA5", "\\ge ");  // ≥
  replace_all(s, "\xE2\x89\xA0", "\\ne ");  // ≠
}

// Digit groups separated by single spaces are one number when they read as thousands groups:
// "1 000" and "12 000 023" (1-3 digits, then groups of exactly 3). Otherwise the parser would
// see two numbers side by side.
void join_space_thousands(std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (!is_digit(s[i]) || (i > 0 && (is_digit(s[i - 1]) || s[i - 1] == '.' || is_alpha(s[i - 1]) || s[i - 1] == '^' ||
                                      s[i - 1] == '_'))) {
      out.push_back(s[i++]);
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && is_digit(s[j])) ++j;
    std::string num(s.substr(i, j - i));
    if (j - i <= 3) {
      while (j + 3 < s.size() + 0 && s[j] == ' ' && is_digit(s[j + 1]) && is_digit(s[j + 2]) && is_digit(s[j + 3]) &&
             (j + 4 >= s.size() || (!is_digit(s[j + 4]) && s[j + 4] != '.' && s[j + 4] != ','))) {
        num += s.substr(j + 1, 3);
        j += 4;
      }
    }
    out += num;
    i = j;
  }
  s = out;
}

// A sentence's period or comma written inside the answer ("\frac{1}{3}.", "5 \text{ cm}.",
// "\frac{1}{3},"), but never an ellipsis: "1, 2, 3, ..." is an unfinished list, not 1, 2, 3.
void strip_sentence_punctuation(std::string& s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  if (ends_with(s, "..") || ends_with(s, "\\dots") || ends_with(s, "\\ldots") || ends_with(s, "\\cdots")) return;
  if (!s.empty() && (s.back() == '.' || s.back() == ',')) s.pop_back();
  while (!s.empty() && s.back() == ' ') s.pop_back();
}

// A mixed number written with a space, "4 4/9", becomes "(4+4/9)" (Math-Verify reads it so; the parser
// refuses two numbers side by side). Only a proper fraction (numerator < denominator: "11 6/6" is no
// mixed number) between non-number neighbours, and never in an answer with a percent sign: the grader
// drops "%" as presentation, and "4 4/9%" is 40/900, not 40/9.
void read_mixed_numbers(std::string& s) {
  if (has_percent(s)) return;
  auto digits_at = [&](std::size_t i) {
    std::size_t j = i;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
    return j;
  };
  auto number_char = [](char c) { return (c >= '0' && c <= '9') || c == '.' || c == '/' || c == '^' || c == '_'; };
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t a_end = digits_at(i);
    const bool starts = a_end > i && (i == 0 || !number_char(s[i - 1]));
    if (starts && a_end < s.size() && s[a_end] == ' ') {
      const std::size_t b = a_end + 1, b_end = digits_at(b);
      if (b_end > b && b_end < s.size() && s[b_end] == '/') {
        const std::size_t c = b_end + 1, c_end = digits_at(c);
        const bool ends = c_end > c && (c_end == s.size() || (!number_char(s[c_end]) && s[c_end] != ' '));
        if (ends && c_end - c <= 9 && b_end - b <= 9 &&
            std::stoull(s.substr(b, b_end - b)) < std::stoull(s.substr(c, c_end - c))) {
          out += "(" + s.substr(i, a_end - i) + "+" + s.substr(b, c_end - b) + ")";
          i = c_end;
          continue;
        }
      }
    }
    if (a_end > i) {
      out += s.substr(i, a_end - i);
      i = a_end;
    } else {
      out += s[i++];
    }
  }
  s = out;
}

}  // namespace

bool has_percent(std::string_view raw) {
  std::string t = to_lower(raw);
  return t.find('%') != std::string::npos || t.find("percent") != std::string::npos ||
         t.find("pct") != std::string::npos;
}

std::string normalize_symbolic(std::string_view answer) {
  std::string s(answer);
  halve_doubled_backslashes(s);
  replace_all(s, "\n", " ");
  replace_all(s, "\r", " ");
  drop_thousands_markers(s);
  s = drop_escapes(s);
  replace_all(s, "\\displaystyle", "");
  replace_all(s, "\\textstyle", "");
  replace_all(s, "\\dfrac", "\\frac");
  replace_all(s, "\\tfrac", "\\frac");
  replace_all(s, "\\cfrac", "\\frac");
  replace_all(s, "\\dbinom", "\\binom");
  replace_all(s, "\\tbinom", "\\binom");
  drop_sizing(s);
  for (const char* sp : {"\\quad", "\\qquad", "~"}) replace_all(s, sp, " ");
  read_mixed_numbers(s);
  // Degrees and percent are presentation in MATH answers ("30^\circ" vs "30", "5\%" vs "5").
  for (const char* deg : {"^{\\circ}", "^\\circ", "^{\\circ }", "\\circ", "\xC2\xB0", "\\degree"})
    replace_all(s, deg, "");
  replace_all(s, "\\%", "");
  replace_all(s, "%", "");
  replace_all(s, "\\$", "");
  replace_all(s, "$", "");
  for (const char* cmd : {"\\mbox", "\\textbf", "\\textrm", "\\textit", "\\textnormal", "\\mathrm", "\\texttt"})
    replace_command(s, cmd, "\\text");
  unwrap_command(s, "\\mathbf");
  unwrap_command(s, "\\boldsymbol");
  unwrap_command(s, "\\boxed");
  // A conjunction separates items like a comma; after a comma ("19, 46, \text{ and } 82") it adds
  // no item (an empty one would make three answers four).
  for (std::string_view conj :
       {"\\text{ and }", "\\text{and}", "\\text{ or }", "\\text{or}", "\\text{ and}", "\\text{and }"}) {
    for (std::size_t p = s.find(conj); p != std::string::npos; p = s.find(conj, p)) {
      std::size_t q = p;
      while (q > 0 && s[q - 1] == ' ') --q;
      s.replace(p, conj.size(), q > 0 && s[q - 1] == ',' ? " " : ",");
    }
  }
  replace_all(s, "\\lvert", "|");
  replace_all(s, "\\rvert", "|");
  replace_all(s, "\\vert", "|");
  replace_all(s, "\\lbrace", "\\{");
  replace_all(s, "\\rbrace", "\\}");
  replace_all(s, "\\varnothing", "\\emptyset");
  normalize_relations(s);
  strip_sentence_punctuation(s);
  // Units at the end, as \text{...} or as bare words (repeat: "5 \text{ square} \text{ units}").
  for (int k = 0; k < 4; ++k) {
    bool changed = drop_trailing_text_unit(s);
    changed = drop_trailing_unit_word(s) || changed;
    if (!changed) break;
  }
  unwrap_command(s, "\\text");
  s = trim(s);
  // "x \in [-2, 7]" → "[-2, 7]"
  if (s.size() > 4 && is_alpha(s[0])) {
    std::size_t k = 1;
    while (k < s.size() && s[k] == ' ') ++k;
    if (s.compare(k, 3, "\\in") == 0 && (k + 3 >= s.size() || !is_alpha(s[k + 3]))) s = trim(s.substr(k + 3));
  }
  strip_sentence_punctuation(s);
  while (ends_with(s, "\\\\")) s = trim(s.substr(0, s.size() - 2));
  if (ends_with(s, "\\")) s = trim(s.substr(0, s.size() - 1));  // "185\": a stray backslash
  join_space_thousands(s);
  // Collapse runs of spaces; spacing never matters but `\cot x` needs one.
  std::string collapsed;
  for (char c : s) {
    if (c == ' ' && (collapsed.empty() || collapsed.back() == ' ')) continue;
    collapsed.push_back(c);
  }
  return trim(collapsed);
}

}  // namespace trafl::grading
