#include "grading/answer_structure.hpp"

#include <algorithm>

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
    if (opener(c))
      ++depth;
    else if (closer(c))
      --depth;
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
    if (opener(c))
      ++depth;
    else if (closer(c) && --depth == 0)
      return i;
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
  if (i < t.size() && is_alpha(t[i]))
    ++i;
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
  // A letter followed by its explanation: "C. x = 42", "(B): ...".
  std::string_view v = s;
  std::size_t k = 0;
  bool paren = k < v.size() && v[k] == '(';
  if (paren) ++k;
  if (k >= v.size() || v[k] < 'A' || v[k] > 'E') return false;
  char l = v[k++];
  if (paren) {
    if (k >= v.size() || v[k] != ')') return false;
    ++k;
  } else if (k >= v.size() || (v[k] != '.' && v[k] != ':' && v[k] != ')')) {
    return false;
  }
  if (k < v.size() && (v[k] == '.' || v[k] == ':')) ++k;
  if (k >= v.size() || v[k] != ' ') return false;
  letter = std::string(1, l);
  return true;
}

// Labels that name the value after '=': f(x), g(t, u), (p, q), |AB|, AB, [ABC] (areas).
bool is_label(std::string_view s) {
  std::string t = remove_spaces(s);
  if (t.size() < 2) return false;
  auto all_upper = [](std::string_view u) {
    if (u.empty() || u.size() > 4) return false;
    for (char c : u)
      if (c < 'A' || c > 'Z') return false;
    return true;
  };
  if (all_upper(t) && t.size() >= 2) return true;  // AB, ABC
  if ((t.front() == '|' && t.back() == '|') || (t.front() == '[' && t.back() == ']'))
    return all_upper(std::string_view(t).substr(1, t.size() - 2));
  std::size_t open = t.find('(');
  if (open == std::string::npos || t.back() != ')') return false;
  std::string head = t.substr(0, open);
  if (!head.empty() && !is_simple_variable(head)) return false;  // "f(" or a bare "("
  std::string inner = t.substr(open + 1, t.size() - open - 2);
  if (inner.empty()) return false;
  std::size_t from = 0;
  int names = 0;
  while (from <= inner.size()) {
    std::size_t comma = inner.find(',', from);
    std::string part = inner.substr(from, comma == std::string::npos ? std::string::npos : comma - from);
    if (!is_simple_variable(part)) return false;
    ++names;
    if (comma == std::string::npos) break;
    from = comma + 1;
  }
  return !head.empty() || names >= 2;  // (x) alone is no label
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
    if (is_digit(c))
      any_digit = true;
    else if (c == '-' && k == 0)
      continue;  // -221_3
    else if (c == '.' && !dot)
      dot = true;  // 0.0011_{2}
    else if (!(c >= 'A' && c <= 'Z') && !(c >= 'a' && c <= 'f'))
      return false;
  }
  return any_digit;
}

bool is_text_word(std::string_view s) {
  int letters = 0;
  for (char c : s) {
    if (is_alpha(c))
      ++letters;
    else if (c != ' ')
      return false;
  }
  return letters >= 3;
}

Answer scalar(std::string text) {
  Answer a;
  a.kind = Answer::Kind::kScalar;
  a.text = std::move(text);
  return a;
}

Answer parse(std::string_view in, int depth);
bool parse_matrix(std::string_view s, int depth, Answer& out);

// Parses items and flattens bare lists inside (1 \pm \sqrt 5 inside a set gives two elements).
std::vector<Answer> parse_items(const std::vector<std::string>& parts, int depth, bool flatten) {
  std::vector<Answer> items;
  for (const auto& p : parts) {
    Answer a = parse(p, depth + 1);
    if (flatten && a.kind == Answer::Kind::kUnordered && a.open.empty() && a.var.empty()) {
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
  // "\begin{pmatrix}..\end{pmatrix} + \begin{pmatrix}..\end{pmatrix}" is two matrices, not one whose
  // cells hold the seam (parse_matrix_arithmetic reads it).
  if (body.find(end_tag) != std::string::npos) return false;
  if (env == "array" && !body.empty() && body[0] == '{') {  // column spec
    std::size_t c = matching_brace(body, 0);
    if (c == std::string::npos) return false;
    body = body.substr(c + 1);
  }
  std::vector<std::string> rows = split_at(body, top_level(body, "\\\\"), 2);
  while (!rows.empty() && rows.back().empty()) rows.pop_back();
  out.kind = Answer::Kind::kMatrix;
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

// A sum, difference or product of matrices written out ("A + B", "A B", "A \cdot B"), as one
// matrix whose cells are expressions: a sum's cell is (a)+(b), a product's (a_1)(b_1)+(a_2)(b_2)+...;
// the cells are then compared like any others. Shapes must conform; \times is not read as a
// product (between vectors it is the cross product). Math-Verify evaluates such answers too
// (test_matrix_extraction: "The sum is $A + B$" against the sum).
constexpr int kMaxMatrixTerms = 4;
constexpr std::size_t kMaxCellChars = 1000;

struct MatrixTerm {
  std::size_t rows = 0, cols = 0;
  std::vector<std::string> cells;  // row-major
};

bool matrix_term(std::string_view literal, int depth, MatrixTerm& t) {
  Answer m;
  if (!parse_matrix(literal, depth, m)) return false;
  for (const Answer& c : m.items)
    if (c.kind != Answer::Kind::kScalar || !c.var.empty()) return false;
  t.rows = m.rows;
  t.cols = m.cols;
  for (const Answer& c : m.items) t.cells.push_back(c.text);
  return true;
}

bool matrix_product(const MatrixTerm& a, const MatrixTerm& b, MatrixTerm& out) {
  if (a.cols != b.rows) return false;
  MatrixTerm r;
  r.rows = a.rows;
  r.cols = b.cols;
  for (std::size_t i = 0; i < a.rows; ++i)
    for (std::size_t j = 0; j < b.cols; ++j) {
      std::string cell;
      for (std::size_t k = 0; k < a.cols; ++k)
        cell += (k ? "+(" : "(") + a.cells[i * a.cols + k] + ")(" + b.cells[k * b.cols + j] + ")";
      if (cell.size() > kMaxCellChars) return false;
      r.cells.push_back(std::move(cell));
    }
  out = std::move(r);
  return true;
}

bool matrix_sum(const MatrixTerm& a, const MatrixTerm& b, char op, MatrixTerm& out) {
  if (a.rows != b.rows || a.cols != b.cols) return false;
  for (std::size_t k = 0; k < a.cells.size(); ++k) {
    out.cells[k] = "(" + a.cells[k] + ")" + op + "(" + b.cells[k] + ")";
    if (out.cells[k].size() > kMaxCellChars) return false;
  }
  return true;
}

bool parse_matrix_arithmetic(std::string_view s, int depth, Answer& out) {
  std::vector<MatrixTerm> terms;
  std::vector<char> ops;  // between terms: '+', '-' or '*'
  std::size_t pos = 0;
  auto skip = [&] {
    while (pos < s.size() && s[pos] == ' ') ++pos;
  };
  while (true) {
    skip();
    if (!starts_with(s.substr(pos), "\\begin{")) return false;
    std::size_t env_end = s.find('}', pos);
    if (env_end == std::string_view::npos) return false;
    std::string end_tag = "\\end{" + std::string(s.substr(pos + 7, env_end - pos - 7)) + "}";
    std::size_t end = s.find(end_tag, env_end);
    if (end == std::string_view::npos || terms.size() == kMaxMatrixTerms) return false;
    MatrixTerm t;
    if (!matrix_term(s.substr(pos, end + end_tag.size() - pos), depth, t)) return false;
    terms.push_back(std::move(t));
    pos = end + end_tag.size();
    skip();
    if (pos == s.size()) break;
    if (s[pos] == '+' || s[pos] == '-') {
      ops.push_back(s[pos++]);
    } else if (starts_with(s.substr(pos), "\\cdot") && !(pos + 5 < s.size() && is_alpha(s[pos + 5]))) {
      ops.push_back('*');
      pos += 5;
    } else if (starts_with(s.substr(pos), "\\begin{")) {
      ops.push_back('*');
    } else {
      return false;
    }
  }
  if (terms.size() < 2) return false;
  // Products first, then sums and differences left to right.
  std::vector<MatrixTerm> summands{terms[0]};
  std::vector<char> signs;
  for (std::size_t k = 0; k < ops.size(); ++k) {
    if (ops[k] == '*') {
      if (!matrix_product(summands.back(), terms[k + 1], summands.back())) return false;
    } else {
      signs.push_back(ops[k]);
      summands.push_back(terms[k + 1]);
    }
  }
  MatrixTerm result = summands[0];
  for (std::size_t k = 0; k < signs.size(); ++k)
    if (!matrix_sum(result, summands[k + 1], signs[k], result)) return false;
  out = Answer();
  out.kind = Answer::Kind::kMatrix;
  out.open = "pmatrix";
  out.rows = result.rows;
  out.cols = result.cols;
  for (auto& c : result.cells) out.items.push_back(scalar(std::move(c)));
  return true;
}

struct RelOp {
  std::size_t pos;
  std::string op;
};

// Top-level relation operators in order of position.
std::vector<RelOp> relations(std::string_view s) {
  std::vector<RelOp> out;
  for (const char* op : {"<", ">", "\\le", "\\ge", "\\ne"})
    for (std::size_t p : top_level(s, op)) out.push_back(RelOp{p, op});
  std::sort(out.begin(), out.end(), [](const RelOp& a, const RelOp& b) { return a.pos < b.pos; });
  return out;
}

bool lower_side(const std::string& op) { return op == "<" || op == "\\le"; }
bool upper_side(const std::string& op) { return op == ">" || op == "\\ge"; }

Answer parse(std::string_view in, int depth);

// a < x \le b (or b > x \ge a): the interval (a, b] of x; other chains are not understood.
bool parse_chain(std::string_view s, const std::vector<RelOp>& ops, int depth, Answer& out) {
  if (ops.size() != 2) return false;
  std::string a = trim(s.substr(0, ops[0].pos));
  std::string m = trim(s.substr(ops[0].pos + ops[0].op.size(), ops[1].pos - ops[0].pos - ops[0].op.size()));
  std::string b = trim(s.substr(ops[1].pos + ops[1].op.size()));
  if (!is_simple_variable(m) || a.empty() || b.empty()) return false;
  std::string o1 = ops[0].op, o2 = ops[1].op;
  if (upper_side(o1) && upper_side(o2)) {  // b > x > a  →  a < x < b
    std::swap(a, b);
    std::swap(o1, o2);
    o1 = o1 == ">" ? "<" : "\\le";
    o2 = o2 == ">" ? "<" : "\\le";
  }
  if (!lower_side(o1) || !lower_side(o2)) return false;
  out.kind = Answer::Kind::kOrdered;
  out.open = o1 == "<" ? "(" : "[";
  out.close = o2 == "<" ? ")" : "]";
  out.items.push_back(parse(a, depth + 1));
  out.items.push_back(parse(b, depth + 1));
  out.var = remove_spaces(m);
  return true;
}

Answer parse(std::string_view in, int depth) {
  std::string s = trim(in);
  Answer a;
  if (s.empty()) return a;
  if (depth > kMaxDepth) return scalar(s);
  std::string letter;
  if (is_choice(s, letter)) {
    a.kind = Answer::Kind::kChoice;
    a.text = letter;
    return a;
  }
  if (parse_matrix(s, depth, a)) return a;
  a = Answer();
  if (parse_matrix_arithmetic(s, depth, a)) return a;
  a = Answer();
  // A matrix in parentheses or brackets: (\begin{pmatrix}...\end{pmatrix}), [\begin{array}...].
  if ((s[0] == '(' || s[0] == '[') && s.size() > 2) {
    std::size_t open_len = 1;
    std::size_t close = closing_of_first(s, open_len);
    if (close + 1 == s.size()) {
      std::string inner = trim(std::string_view(s).substr(1, close - 1));
      if (starts_with(inner, "\\begin{") && parse_matrix(inner, depth, a)) return a;
      a = Answer();
    }
  }
  if (is_thousands_number(s)) {
    std::string t;
    for (char c : s)
      if (c != ',') t.push_back(c);
    return scalar(t);
  }
  if (auto cups = top_level(s, "\\cup"); !cups.empty()) {
    a.kind = Answer::Kind::kUnion;
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
      // \{ ... \}, or {a, b} written without backslashes (braces around a list are a set, not
      // a LaTeX group: a group holds no top-level comma).
      if (open_len == 2 || (s[0] == '{' && parts.size() >= 2)) {
        a.kind = Answer::Kind::kUnordered;
        a.open = "\\{";
        if (!(parts.size() == 1 && parts[0].empty())) a.items = parse_items(parts, depth, true);
        // A set lists each element once: {1, 1, 2} is {1, 2} (same written form after normalising).
        std::vector<Answer> unique;
        for (auto& x : a.items) {
          bool seen = false;
          for (const auto& u : unique) seen = seen || describe(u) == describe(x);
          if (!seen) unique.push_back(std::move(x));
        }
        a.items = std::move(unique);
        return a;
      }
      if (parts.size() >= 2 && s[0] != '{') {
        a.kind = Answer::Kind::kOrdered;
        a.open = std::string(1, s[0]);
        a.close = std::string(1, s[close]);
        a.items = parse_items(parts, depth, false);
        return a;
      }
    }
  }
  // "A \approx B": the exact A (the approximation is commentary), unless A is only a name
  // (x \approx 11 gives 11).
  if (auto ap = top_level(s, "\\approx"); !ap.empty()) {
    std::string lhs = trim(std::string_view(s).substr(0, ap[0]));
    std::string rhs = trim(std::string_view(s).substr(ap.back() + 7));
    bool name = is_simple_variable(lhs) || is_label(lhs);
    if (!lhs.empty() && !name) return parse(lhs, depth + 1);
    if (!rhs.empty()) return parse(rhs, depth + 1);
  }
  auto eqs = top_level(s, "=");
  if (auto rel = relations(s); !rel.empty() && eqs.empty()) {
    if (rel.size() == 1) {
      a.kind = Answer::Kind::kRelation;
      a.text = trim(std::string_view(s).substr(0, rel[0].pos));
      a.rhs = trim(std::string_view(s).substr(rel[0].pos + rel[0].op.size()));
      a.rel = rel[0].op;
      if (!a.text.empty() && !a.rhs.empty()) return a;
      return scalar(s);
    }
    if (parse_chain(s, rel, depth, a)) return a;
    return scalar(s);  // other chains (f(2) < f(1) < f(4)): compared as written
  }
  if (eqs.size() == 1) {
    std::string lhs = trim(std::string_view(s).substr(0, eqs[0]));
    std::string rhs = trim(std::string_view(s).substr(eqs[0] + 1));
    if (is_simple_variable(lhs) || is_label(lhs)) {
      Answer r = parse(rhs, depth + 1);
      r.var = remove_spaces(lhs);
      return r;
    }
    a.kind = Answer::Kind::kEquation;
    a.text = lhs;
    a.rhs = rhs;
    return a;
  }
  if (auto commas = top_level(s, ","); !commas.empty()) {
    a.kind = Answer::Kind::kUnordered;
    a.items = parse_items(split_at(s, commas, 1), depth, true);
    return a;
  }
  if (auto semis = top_level(s, ";"); !semis.empty()) {  // "1; 2; 3" lists like "1, 2, 3"
    a.kind = Answer::Kind::kUnordered;
    a.items = parse_items(split_at(s, semis, 1), depth, true);
    return a;
  }
  for (const char* pm : {"\\pm", "\\mp"}) {
    auto at = top_level(s, pm);
    if (at.size() == 1) {
      std::string x = trim(std::string_view(s).substr(0, at[0]));
      std::string y = trim(std::string_view(s).substr(at[0] + 3));
      a.kind = Answer::Kind::kUnordered;
      a.items.push_back(scalar(x.empty() ? "(" + y + ")" : x + "+(" + y + ")"));
      a.items.push_back(scalar(x.empty() ? "-(" + y + ")" : x + "-(" + y + ")"));
      return a;
    }
  }
  if (eqs.size() >= 2) return parse(std::string_view(s).substr(eqs.back() + 1), depth + 1);  // a = b = 5
  std::string digits, base;
  if (is_base_number(s, digits, base)) {
    a.kind = Answer::Kind::kBaseNumber;
    a.text = digits;
    a.base = base;
    return a;
  }
  if (is_text_word(s)) {
    a.kind = Answer::Kind::kText;
    a.text = to_lower(remove_spaces(s));
    return a;
  }
  return scalar(s);
}

}  // namespace

Answer parse_answer(std::string_view normalized) { return parse(normalized, 0); }

const char* kind_name(Answer::Kind k) {
  switch (k) {
    case Answer::Kind::kEmpty: return "empty";
    case Answer::Kind::kScalar: return "expression";
    case Answer::Kind::kOrdered: return "tuple";
    case Answer::Kind::kUnordered: return "set";
    case Answer::Kind::kUnion: return "union";
    case Answer::Kind::kMatrix: return "matrix";
    case Answer::Kind::kEquation: return "equation";
    case Answer::Kind::kRelation: return "relation";
    case Answer::Kind::kText: return "text";
    case Answer::Kind::kChoice: return "choice";
    case Answer::Kind::kBaseNumber: return "base_number";
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
    case Answer::Kind::kEmpty: return prefix + "<empty>";
    case Answer::Kind::kScalar: return prefix + a.text;
    case Answer::Kind::kText: return prefix + "text:" + a.text;
    case Answer::Kind::kChoice: return prefix + "choice:" + a.text;
    case Answer::Kind::kBaseNumber: return prefix + a.text + "_" + a.base;
    case Answer::Kind::kEquation: return a.text + "=" + a.rhs;
    case Answer::Kind::kRelation: return a.text + " " + a.rel + " " + a.rhs;
    case Answer::Kind::kOrdered: return prefix + a.open + join(a.items, ", ") + a.close;
    case Answer::Kind::kUnordered: return prefix + (a.open.empty() ? "list{" : "set{") + join(a.items, ", ") + "}";
    case Answer::Kind::kUnion: return prefix + join(a.items, " U ");
    case Answer::Kind::kMatrix: {
      std::string out = prefix + "matrix" + std::to_string(a.rows) + "x" + std::to_string(a.cols) + "[";
      for (std::size_t k = 0; k < a.items.size(); ++k)
        out += (k ? (a.cols && k % a.cols == 0 ? "; " : ", ") : "") + describe(a.items[k]);
      return out + "]";
    }
  }
  return prefix;
}

}  // namespace trafl::grading
