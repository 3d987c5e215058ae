#include "grading/answer_structure.hpp"

#include "grading/text_util.hpp"

namespace trafl::grading {

namespace {

constexpr int kMaxDepth = 8;
constexpr std::size_t kMaxItems = 256;

bool opener(char c) { return c == '(' || c == '[' || c == '{'; }
bool closer(char c) { return c == ')' || c == ']' || c == '}'; }

// Positions of `sep` at bracket depth 0 (any bracket kind counts, so "(3,4]" balances).
std::vector<std::size_t> top_level(std::string_view s, std::string_view sep) {
  std::vector<std::size_t> out;
  int depth = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size() && (opener(s[i + 1]) || closer(s[i + 1]))) {  // \{ \}
      depth += opener(s[i + 1]) ? 1 : -1;
      ++i;
      continue;
    }
    if (opener(c)) ++depth;
    else if (closer(c)) --depth;
    else if (depth == 0 && s.compare(i, sep.size(), sep) == 0) {
      // a command separator must be whole: \cup not \cupcake, \pm not \pmatrix
      if (sep[0] == '\\' && i + sep.size() < s.size() && is_alpha(s[i + sep.size()])) continue;
      out.push_back(i);
    }
  }
  return out;
}

std::vector<std::string> split_at(std::string_view s, const std::vector<std::size_t>& cuts, std::size_t sep_len) {
  std::vector<std::string> parts;
  std::size_t last = 0;
  for (std::size_t c : cuts) {
    parts.push_back(trim(s.substr(last, c - last)));
    last = c + sep_len;
  }
  parts.push_back(trim(s.substr(last)));
  return parts;
}

// Index of the bracket closing the one at 0 (generic depth), or npos.
std::size_t closing_of_first(std::string_view s, std::size_t& open_len) {
  open_len = (s.size() > 1 && s[0] == '\\' && s[1] == '{') ? 2 : 1;
  int depth = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size() && (opener(s[i + 1]) || closer(s[i + 1]))) {
      depth += opener(s[i + 1]) ? 1 : -1;
      if (depth == 0) return i;
      ++i;
      continue;
    }
    if (opener(c)) ++depth;
    else if (closer(c) && --depth == 0) return i;
  }
  return std::string_view::npos;
}

bool is_thousands_number(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  std::size_t start = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  if (i == start || i - start > 3) return false;
  int groups = 0;
  while (i < s.size() && s[i] == ',') {
    for (int k = 1; k <= 3; ++k)
      if (i + k >= s.size() || !is_digit(s[i + k])) return false;
    i += 4;
    ++groups;
  }
  if (groups == 0) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    std::size_t f = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    if (i == f) return false;
  }
  return i == s.size();
}

bool is_simple_variable(std::string_view s) {
  std::string t = remove_spaces(s);
  std::size_t i = 0;
  if (i < t.size() && is_alpha(t[i])) ++i;
  else if (i < t.size() && t[i] == '\\') {
    ++i;
    while (i < t.size() && is_alpha(t[i])) ++i;
    if (i == 1) return false;
  } else {
    return false;
  }
  if (i == t.size()) return true;
  if (t[i] != '_') return false;
  std::string sub = t.substr(i + 1);
  if (sub.size() >= 2 && sub.front() == '{' && sub.back() == '}') sub = sub.substr(1, sub.size() - 2);
  if (sub.empty()) return false;
  for (char c : sub)
    if (!is_alpha(c) && !is_digit(c)) return false;
  return true;
}

bool is_choice(std::string_view s, std::string& letter) {
  std::string t = remove_spaces(s);
  if (t.size() == 3 && t[0] == '(' && t[2] == ')') t = t.substr(1, 1);
  if (t.size() == 1 && t[0] >= 'A' && t[0] <= 'E') {
    letter = t;
    return true;
  }
  return false;
}

bool is_base_number(std::string_view s, std::string& digits, std::string& base) {
  std::string t = remove_spaces(s);
  std::size_t us = t.find('_');
  if (us == std::string::npos || us == 0) return false;
  digits = t.substr(0, us);
  base = t.substr(us + 1);
  if (base.size() >= 2 && base.front() == '{' && base.back() == '}') base = base.substr(1, base.size() - 2);
  if (base.empty() || base.size() > 2) return false;
  for (char c : base)
    if (!is_digit(c)) return false;
  bool any_digit = false, dot = false;
  for (std::size_t k = 0; k < digits.size(); ++k) {
    char c = digits[k];
    if (is_digit(c)) any_digit = true;
    else if (c == '-' && k == 0) continue;        // -221_3
    else if (c == '.' && !dot) dot = true;         // 0.0011_{2}
    else if (!(c >= 'A' && c <= 'Z') && !(c >= 'a' && c <= 'f')) return false;
  }
  return any_digit;
}

bool is_text_word(std::string_view s) {
  int letters = 0;
  for (char c : s) {
    if (is_alpha(c)) ++letters;
    else if (c != ' ') return false;
  }
  return letters >= 3;
}

Answer scalar(std::string text) {
  Answer a;
  a.kind = Answer::Kind::Scalar;
  a.text = std::move(text);
  return a;
}

Answer parse(std::string_view in, int depth);

// Parses items and flattens bare lists inside (1 \pm \sqrt 5 inside a set gives two elements).
std::vector<Answer> parse_items(const std::vector<std::string>& parts, int depth, bool flatten) {
  std::vector<Answer> items;
  for (const auto& p : parts) {
    Answer a = parse(p, depth + 1);
    if (flatten && a.kind == Answer::Kind::Unordered && a.open.empty() && a.var.empty()) {
      for (auto& x : a.items) items.push_back(std::move(x));
    } else {
      items.push_back(std::move(a));
    }
    if (items.size() > kMaxItems) break;
  }
  return items;
}

bool parse_matrix(std::string_view s, int depth, Answer& out) {
  if (!starts_with(s, "\\begin{")) return false;
  std::size_t env_end = s.find('}');
  std::string env(s.substr(7, env_end - 7));
  std::string end_tag = "\\end{" + env + "}";
  if (!ends_with(s, end_tag)) return false;
  std::string body(s.substr(env_end + 1, s.size() - end_tag.size() - env_end - 1));
  if (env == "array" && !body.empty() && body[0] == '{') {  // column spec
    std::size_t c = matching_brace(body, 0);
    if (c == std::string::npos) return false;
    body = body.substr(c + 1);
  }
  std::vector<std::string> rows = split_at(body, top_level(body, "\\\\"), 2);
  while (!rows.empty() && rows.back().empty()) rows.pop_back();
  out.kind = Answer::Kind::Matrix;
  out.open = env;
  out.rows = rows.size();
  for (const auto& r : rows) {
    std::vector<std::string> cells = split_at(r, top_level(r, "&"), 1);
    if (out.cols == 0) out.cols = cells.size();
    if (cells.size() != out.cols) return false;  // ragged: not a matrix we can compare
    for (const auto& c : cells) out.items.push_back(parse(c, depth + 1));
    if (out.items.size() > kMaxItems) return false;
  }
  return out.rows > 0;
}

Answer parse(std::string_view in, int depth) {
  std::string s = trim(in);
  Answer a;
  if (s.empty()) return a;
  if (depth > kMaxDepth) return scalar(s);
  std::string letter;
  if (is_choice(s, letter)) {
    a.kind = Answer::Kind::Choice;
    a.text = letter;
    return a;
  }
  if (parse_matrix(s, depth, a)) return a;
  a = Answer();
  if (is_thousands_number(s)) {
    std::string t;
    for (char c : s)
      if (c != ',') t.push_back(c);
    return scalar(t);
  }
  if (auto cups = top_level(s, "\\cup"); !cups.empty()) {
    a.kind = Answer::Kind::Union;
    a.items = parse_items(split_at(s, cups, 4), depth, false);
    return a;
  }
  // Whole answer in brackets: tuple, interval or set.
  if (opener(s[0]) || starts_with(s, "\\{")) {
    std::size_t open_len = 1;
    std::size_t close = closing_of_first(s, open_len);
    bool escaped_close = close != std::string::npos && s[close] == '\\';
    std::size_t close_len = escaped_close ? 2 : 1;
    if (close != std::string::npos && close + close_len == s.size()) {
      std::string inner = trim(std::string_view(s).substr(open_len, close - open_len));
      std::vector<std::string> parts = split_at(inner, top_level(inner, ","), 1);
      if (open_len == 2) {  // \{ ... \}
        a.kind = Answer::Kind::Unordered;
        a.open = "\\{";
        if (!(parts.size() == 1 && parts[0].empty())) a.items = parse_items(parts, depth, true);
        return a;
      }
      if (parts.size() >= 2 && s[0] != '{') {
        a.kind = Answer::Kind::Ordered;
        a.open = std::string(1, s[0]);
        a.close = std::string(1, s[close]);
        a.items = parse_items(parts, depth, false);
        return a;
      }
    }
  }
  auto eqs = top_level(s, "=");
  if (eqs.size() == 1) {
    std::string lhs = trim(std::string_view(s).substr(0, eqs[0]));
    std::string rhs = trim(std::string_view(s).substr(eqs[0] + 1));
    if (is_simple_variable(lhs)) {
      Answer r = parse(rhs, depth + 1);
      r.var = remove_spaces(lhs);
      return r;
    }
    a.kind = Answer::Kind::Equation;
    a.text = lhs;
    a.rhs = rhs;
    return a;
  }
  if (auto commas = top_level(s, ","); !commas.empty()) {
    a.kind = Answer::Kind::Unordered;
    a.items = parse_items(split_at(s, commas, 1), depth, true);
    return a;
  }
  for (const char* pm : {"\\pm", "\\mp"}) {
    auto at = top_level(s, pm);
    if (at.size() == 1) {
      std::string x = trim(std::string_view(s).substr(0, at[0]));
      std::string y = trim(std::string_view(s).substr(at[0] + 3));
      a.kind = Answer::Kind::Unordered;
      a.items.push_back(scalar(x.empty() ? "(" + y + ")" : x + "+(" + y + ")"));
      a.items.push_back(scalar(x.empty() ? "-(" + y + ")" : x + "-(" + y + ")"));
      return a;
    }
  }
  if (eqs.size() >= 2) return parse(std::string_view(s).substr(eqs.back() + 1), depth + 1);  // a = b = 5
  std::string digits, base;
  if (is_base_number(s, digits, base)) {
    a.kind = Answer::Kind::BaseNumber;
    a.text = digits;
    a.base = base;
    return a;
  }
  if (is_text_word(s)) {
    a.kind = Answer::Kind::Text;
    a.text = to_lower(remove_spaces(s));
    return a;
  }
  return scalar(s);
}

}  // namespace

Answer parse_answer(std::string_view normalized) { return parse(normalized, 0); }

const char* kind_name(Answer::Kind k) {
  switch (k) {
    case Answer::Kind::Empty: return "empty";
    case Answer::Kind::Scalar: return "expression";
    case Answer::Kind::Ordered: return "tuple";
    case Answer::Kind::Unordered: return "set";
    case Answer::Kind::Union: return "union";
    case Answer::Kind::Matrix: return "matrix";
    case Answer::Kind::Equation: return "equation";
    case Answer::Kind::Text: return "text";
    case Answer::Kind::Choice: return "choice";
    case Answer::Kind::BaseNumber: return "base_number";
  }
  return "?";
}

std::string describe(const Answer& a) {
  std::string prefix = a.var.empty() ? "" : a.var + "=";
  auto join = [](const std::vector<Answer>& items, const char* sep) {
    std::string out;
    for (std::size_t k = 0; k < items.size(); ++k) out += (k ? sep : "") + describe(items[k]);
    return out;
  };
  switch (a.kind) {
    case Answer::Kind::Empty: return prefix + "<empty>";
    case Answer::Kind::Scalar: return prefix + a.text;
    case Answer::Kind::Text: return prefix + "text:" + a.text;
    case Answer::Kind::Choice: return prefix + "choice:" + a.text;
    case Answer::Kind::BaseNumber: return prefix + a.text + "_" + a.base;
    case Answer::Kind::Equation: return a.text + "=" + a.rhs;
    case Answer::Kind::Ordered: return prefix + a.open + join(a.items, ", ") + a.close;
    case Answer::Kind::Unordered: return prefix + (a.open.empty() ? "list{" : "set{") + join(a.items, ", ") + "}";
    case Answer::Kind::Union: return prefix + join(a.items, " U ");
    case Answer::Kind::Matrix: {
      std::string out = prefix + "matrix" + std::to_string(a.rows) + "x" + std::to_string(a.cols) + "[";
      for (std::size_t k = 0; k < a.items.size(); ++k)
        out += (k ? (a.cols && k % a.cols == 0 ? "; " : ", ") : "") + describe(a.items[k]);
      return out + "]";
    }
  }
  return prefix;
}

}  // namespace trafl::grading
