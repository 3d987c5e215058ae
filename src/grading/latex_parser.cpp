#include "grading/latex_parser.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>
#include <vector>

#include "grading/text_util.hpp"

namespace trafl::grading {

namespace {

struct ParseFail {
  std::string why;
};

enum class Tok { kNum, kLetter, kCmd, kCh, kEnd };
struct Token {
  Tok kind;
  std::string text;  // Num: literal; Letter: one letter; Cmd: name without '\'; Ch: one char
};

constexpr std::array<const char*, 38> kGreek = {
    "alpha",  "beta",    "gamma",  "delta",  "epsilon", "varepsilon", "zeta",  "eta",    "theta", "vartheta",
    "iota",   "kappa",   "lambda", "mu",     "nu",      "xi",         "rho",   "varrho", "sigma", "varsigma",
    "tau",    "upsilon", "phi",    "varphi", "chi",     "psi",        "omega", "Gamma",  "Delta", "Theta",
    "Lambda", "Xi",      "Sigma",  "Phi",    "Psi",     "Omega",      "hbar",  "ell"};
constexpr std::array<const char*, 20> kFunctions = {"sin",    "cos",    "tan",    "cot",  "sec",    "csc",   "arcsin",
                                                    "arccos", "arctan", "arccot", "sinh", "cosh",   "tanh",  "coth",
                                                    "ln",     "log",    "lg",     "exp",  "arcsec", "arccsc"};
constexpr std::array<const char*, 12> kAccents = {"dot",      "ddot",    "bar",       "hat",    "vec",        "tilde",
                                                  "overline", "widehat", "widetilde", "mathbf", "boldsymbol", "check"};
// Commands that only affect spacing or delimiter size: dropped by the lexer.
constexpr std::array<const char*, 14> kIgnored = {"left",         "right",  "big",       "Big",     "bigl",
                                                  "bigr",         "Bigl",   "Bigr",      "quad",    "qquad",
                                                  "displaystyle", "limits", "textstyle", "nolimits"};

template <std::size_t N>
bool in(const std::array<const char*, N>& set, std::string_view name) {
  for (const char* s : set)
    if (name == s) return true;
  return false;
}

bool is_function_name(std::string_view n) { return in(kFunctions, n); }

std::vector<Token> lex(std::string_view s) {
  std::vector<Token> out;
  std::size_t i = 0;
  auto push = [&](Tok k, std::string t) { out.push_back(Token{k, std::move(t)}); };
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '~') {
      ++i;
      continue;
    }
    if (c >= 0x80) {  // a few Unicode symbols models like to emit; anything else is not math we read
      auto is = [&](const char* u) { return s.compare(i, std::strlen(u), u) == 0; };
      if (is("\xCF\x80")) {
        push(Tok::kCmd, "pi");
        i += 2;
        continue;
      }  // π
      if (is("\xE2\x88\x92")) {
        push(Tok::kCh, "-");
        i += 3;
        continue;
      }  // − (minus sign)
      if (is("\xC3\x97")) {
        push(Tok::kCmd, "times");
        i += 2;
        continue;
      }  // ×
      if (is("\xC2\xB7")) {
        push(Tok::kCmd, "cdot");
        i += 2;
        continue;
      }  // ·
      if (is("\xE2\x88\x9E")) {
        push(Tok::kCmd, "infty");
        i += 3;
        continue;
      }  // ∞
      if (is("\xE2\x88\x9A")) {
        push(Tok::kCmd, "sqrt");
        i += 3;
        continue;
      }  // √
      throw ParseFail{"non-ASCII character"};
    }
    if (is_digit(s[i]) || (s[i] == '.' && i + 1 < s.size() && is_digit(s[i + 1]))) {
      std::size_t j = i;
      while (j < s.size() && is_digit(s[j])) ++j;
      if (j < s.size() && s[j] == '.') {
        ++j;
        while (j < s.size() && is_digit(s[j])) ++j;
      }
      // Scientific notation 4.5e33 / 1e-5 (only when digits follow; "2e" stays 2·e).
      if (j < s.size() && (s[j] == 'e' || s[j] == 'E')) {
        std::size_t k = j + 1;
        if (k < s.size() && (s[k] == '+' || s[k] == '-')) ++k;
        if (k < s.size() && is_digit(s[k])) {
          while (k < s.size() && is_digit(s[k])) ++k;
          j = k;
        }
      }
      push(Tok::kNum, std::string(s.substr(i, j - i)));
      i = j;
      continue;
    }
    if (is_alpha(s[i])) {
      push(Tok::kLetter, std::string(1, s[i]));
      ++i;
      continue;
    }
    if (s[i] == '\\') {
      if (i + 1 >= s.size()) throw ParseFail{"trailing backslash"};
      if (is_alpha(s[i + 1])) {
        std::size_t j = i + 1;
        while (j < s.size() && is_alpha(s[j])) ++j;
        std::string name(s.substr(i + 1, j - i - 1));
        i = j;
        if (in(kIgnored, name)) {
          if ((name == "left" || name == "right") && i < s.size() && s[i] == '.') ++i;  // \left. \right.
          continue;
        }
        push(Tok::kCmd, std::move(name));
        continue;
      }
      char n = s[i + 1];
      i += 2;
      if (n == ',' || n == '!' || n == ';' || n == ':' || n == ' ') continue;  // spacing
      if (n == '{') {
        push(Tok::kCh, "(");
        continue;
      }
      if (n == '}') {
        push(Tok::kCh, ")");
        continue;
      }
      if (n == '|') {
        push(Tok::kCh, "|");
        continue;
      }
      if (n == '%') continue;
      throw ParseFail{std::string("unknown escape \\") + n};
    }
    push(Tok::kCh, std::string(1, s[i]));
    ++i;
  }
  out.push_back(Token{Tok::kEnd, ""});
  return out;
}

class Parser {
 public:
  Parser(std::vector<Token> toks, Budget& budget) : toks_(std::move(toks)), budget_(budget) {}

  ExprTree run() {
    tree_.root = parse_sum();
    if (peek().kind != Tok::kEnd) throw ParseFail{"unexpected '" + peek().text + "'"};
    return std::move(tree_);
  }

 private:
  std::vector<Token> toks_;
  std::size_t pos_ = 0;
  Budget& budget_;
  ExprTree tree_;
  int depth_ = 0;
  int abs_depth_ = 0;

  struct DepthGuard {
    Parser& p;
    explicit DepthGuard(Parser& parser) : p(parser) {
      if (++p.depth_ > p.budget_.limits().max_depth) {
        p.budget_.exceed("expression nesting depth");
        throw ParseFail{"too deeply nested"};
      }
    }
    ~DepthGuard() { --p.depth_; }
  };

  const Token& peek(std::size_t ahead = 0) const {
    std::size_t k = std::min(pos_ + ahead, toks_.size() - 1);
    return toks_[k];
  }
  bool is_ch(const char* c, std::size_t ahead = 0) const {
    const Token& t = peek(ahead);
    return t.kind == Tok::kCh && t.text == c;
  }
  bool is_cmd(const char* c) const { return peek().kind == Tok::kCmd && peek().text == c; }
  void expect_ch(const char* c) {
    if (!is_ch(c)) throw ParseFail{std::string("expected '") + c + "'"};
    ++pos_;
  }

  std::int32_t mk(Op op, std::string text = {}, std::vector<std::int32_t> kids = {}) {
    if (tree_.nodes.size() >= budget_.limits().max_nodes) {
      budget_.exceed("expression node count");
      throw ParseFail{"expression too large"};
    }
    tree_.nodes.push_back(Node{op, std::move(text), std::move(kids)});
    return static_cast<std::int32_t>(tree_.nodes.size() - 1);
  }
  std::int32_t mul(std::int32_t a, std::int32_t b) {
    if (tree_.nodes[a].op == Op::Mul) {
      tree_.nodes[a].kids.push_back(b);
      return a;
    }
    return mk(Op::Mul, {}, {a, b});
  }

  std::int32_t num_literal(const std::string& text) {
    std::int32_t n = mk(Op::kNum, text);
    bool integer = text.find_first_of(".eE") == std::string::npos;
    tree_.nodes[n].int_literal = integer;
    if (!integer) tree_.has_decimal = true;
    return n;
  }

  // sum := [+-] term (('+'|'-') term)*
  std::int32_t parse_sum() {
    DepthGuard g(*this);
    std::vector<std::int32_t> terms;
    bool neg = false;
    if (is_ch("-")) {
      neg = true;
      ++pos_;
    } else if (is_ch("+"))
      ++pos_;
    std::int32_t t = parse_term();
    terms.push_back(neg ? mk(Op::Neg, {}, {t}) : t);
    while (true) {
      if (is_ch("+")) {
        ++pos_;
        terms.push_back(parse_term());
      } else if (is_ch("-")) {
        ++pos_;
        std::int32_t r = parse_term();
        terms.push_back(mk(Op::Neg, {}, {r}));
      } else {
        break;
      }
    }
    if (terms.size() == 1) return terms[0];
    return mk(Op::Add, {}, std::move(terms));
  }

  bool is_operator_cmd(std::string_view n) const {
    return n == "cdot" || n == "times" || n == "div" || n == "ast" || n == "pm" || n == "mp" || n == "cup" ||
           n == "cap" || n == "le" || n == "leq" || n == "ge" || n == "geq" || n == "neq" || n == "ne" || n == "in" ||
           n == "to" || n == "approx" || n == "prime" || n == "circ";
  }
  bool starts_primary() const {
    const Token& t = peek();
    switch (t.kind) {
      case Tok::kNum:
      case Tok::kLetter: return true;
      case Tok::kCmd: return !is_operator_cmd(t.text);
      case Tok::kCh: return t.text == "(" || t.text == "[" || t.text == "{" || (t.text == "|" && abs_depth_ == 0);
      default: return false;
    }
  }

  // term := unary (('*'|'/'|\cdot|\times|\div) unary | implicit postfix)*
  std::int32_t parse_term() {
    DepthGuard g(*this);
    std::int32_t acc = parse_unary();
    int factors = 1;
    while (true) {
      if (is_ch("*") || is_cmd("cdot") || is_cmd("times") || is_cmd("ast")) {
        ++pos_;
        acc = mul(acc, parse_unary());
      } else if (is_ch("/") || is_cmd("div")) {
        ++pos_;
        std::int32_t d = parse_unary();
        acc = mk(Op::Div, {}, {acc, d});
      } else if (starts_primary()) {
        // Two numbers side by side ("1 000", "2 3") are not a product: thousands groups were
        // joined before parsing, so anything else is refused rather than read as 1·000 = 0.
        if (peek().kind == Tok::kNum && pos_ > 0 && toks_[pos_ - 1].kind == Tok::kNum)
          throw ParseFail{"two numbers side by side"};
        std::int32_t f = parse_postfix();
        // Mixed number as MATH writes it: 3\frac{1}{2} means 3 + 1/2, not 3 · 1/2.
        if (factors == 1 && tree_.nodes[acc].int_literal && tree_.nodes[f].frac_of_ints) {
          acc = mk(Op::Add, {}, {acc, f});
        } else {
          acc = mul(acc, f);
        }
      } else {
        break;
      }
      ++factors;
    }
    return acc;
  }

  std::int32_t parse_unary() {
    DepthGuard g(*this);
    if (is_ch("-")) {
      ++pos_;
      return mk(Op::Neg, {}, {parse_unary()});
    }
    if (is_ch("+")) {
      ++pos_;
      return parse_unary();
    }
    return parse_postfix();
  }

  bool next_is_prime_exponent() const {
    if (!is_ch("^")) return false;
    const Token& a = peek(1);
    if (a.kind == Tok::kCmd && a.text == "prime") return true;
    return a.kind == Tok::kCh && a.text == "{" && peek(2).kind == Tok::kCmd && peek(2).text == "prime" &&
           peek(3).kind == Tok::kCh && peek(3).text == "}";
  }

  std::int32_t parse_postfix() {
    DepthGuard g(*this);
    std::int32_t base = parse_primary();
    while (true) {
      if (tree_.nodes[base].op == Op::kSym && (is_ch("'") || next_is_prime_exponent())) {
        if (is_ch("'"))
          ++pos_;
        else
          pos_ += is_ch("{", 1) ? 4 : 2;
        tree_.nodes[base].text += "'";
      } else if (is_ch("^")) {
        ++pos_;
        std::int32_t e = parse_script_arg();
        base = mk(Op::Pow, {}, {base, e});
      } else if (is_ch("!")) {
        ++pos_;
        base = mk(Op::Fact, {}, {base});
      } else {
        break;
      }
    }
    return base;
  }

  // The argument of ^, \frac, \sqrt, \binom: a braced group or ONE token (LaTeX: x^23 is x^2·3).
  std::int32_t parse_script_arg() {
    DepthGuard g(*this);
    const Token& t = peek();
    if (t.kind == Tok::kCh && t.text == "{") {
      ++pos_;
      std::int32_t inner = parse_sum();
      expect_ch("}");
      return inner;
    }
    if (t.kind == Tok::kNum) {
      std::string first(1, t.text[0]);
      if (t.text.size() == 1)
        ++pos_;
      else
        toks_[pos_].text.erase(0, 1);
      if (first == ".") throw ParseFail{"bad script argument"};
      return num_literal(first);
    }
    if (t.kind == Tok::kCh && t.text == "-") {  // x^-1 (sloppy but common)
      ++pos_;
      return mk(Op::Neg, {}, {parse_script_arg()});
    }
    if (t.kind == Tok::kLetter) {
      ++pos_;
      return letter(t.text, false);
    }
    if (t.kind == Tok::kCmd && !is_operator_cmd(t.text)) return parse_primary();
    throw ParseFail{"bad script argument"};
  }

  // Raw text of a subscript (for symbol names): a braced group's tokens or one token.
  std::string subscript_text() {
    const Token& t = peek();
    std::string out;
    auto tok_text = [](const Token& k) { return k.kind == Tok::kCmd ? "\\" + k.text : k.text; };
    if (t.kind == Tok::kCh && t.text == "{") {
      ++pos_;
      int depth = 1;
      while (peek().kind != Tok::kEnd) {
        const Token& k = peek();
        if (k.kind == Tok::kCh && k.text == "{") ++depth;
        if (k.kind == Tok::kCh && k.text == "}" && --depth == 0) {
          ++pos_;
          return out;
        }
        out += tok_text(k);
        ++pos_;
      }
      throw ParseFail{"unclosed subscript"};
    }
    if (t.kind == Tok::kEnd) throw ParseFail{"empty subscript"};
    if (t.kind == Tok::kNum) {
      out = t.text.substr(0, 1);
      if (t.text.size() == 1)
        ++pos_;
      else
        toks_[pos_].text.erase(0, 1);
      return out;
    }
    out = tok_text(t);
    ++pos_;
    return out;
  }

  std::int32_t letter(const std::string& l, bool allow_subscript) {
    if (allow_subscript && is_ch("_")) {
      ++pos_;
      return mk(Op::kSym, l + "_" + subscript_text());
    }
    if (l == "e") return mk(Op::E);
    if (l == "i") return mk(Op::I);
    return mk(Op::kSym, l);
  }

  std::string braced_raw() {  // {text} → text (tokens re-joined), for \text{...} and friends
    if (!is_ch("{")) throw ParseFail{"expected '{'"};
    return subscript_text();
  }

  std::int32_t group(const char* open, const char* close) {
    expect_ch(open);
    std::int32_t inner = parse_sum();
    expect_ch(close);
    return inner;
  }

  std::int32_t parse_function(std::string name) {
    std::int32_t power = -1, log_base = -1;
    for (int k = 0; k < 2; ++k) {
      if (name == "log" && is_ch("_") && log_base < 0) {
        ++pos_;
        log_base = parse_script_arg();
      } else if (is_ch("^") && power < 0) {
        ++pos_;
        power = parse_script_arg();
        const Node& p = tree_.nodes[power];
        // \sin^{-1} x is arcsin x, not 1/sin x.
        if (p.op == Op::Neg && tree_.nodes[p.kids[0]].op == Op::kNum && tree_.nodes[p.kids[0]].text == "1" &&
            (name == "sin" || name == "cos" || name == "tan" || name == "cot" || name == "sec" || name == "csc")) {
          name = "arc" + name;
          power = -1;
        }
      }
    }
    std::int32_t arg;
    if (is_ch("(") || is_ch("[") || is_ch("{")) {
      arg = parse_primary();
    } else {
      arg = parse_postfix();
      // \sin 2x is sin(2x); \sin x \cos x is sin(x)·cos(x).
      while (starts_primary() && !(peek().kind == Tok::kCmd && is_function_name(peek().text)) && !is_ch("(")) {
        arg = mul(arg, parse_postfix());
      }
    }
    std::int32_t f = log_base >= 0 ? mk(Op::Func, name, {arg, log_base}) : mk(Op::Func, name, {arg});
    if (power >= 0) f = mk(Op::Pow, {}, {f, power});
    return f;
  }

  std::int32_t parse_primary() {
    DepthGuard g(*this);
    if (!budget_.ok()) throw ParseFail{"deadline"};
    Token t = peek();
    switch (t.kind) {
      case Tok::kEnd: throw ParseFail{"unexpected end"};
      case Tok::kNum: {
        ++pos_;
        if (is_ch("_")) throw ParseFail{"subscripted number (a base numeral?)"};
        return num_literal(t.text);
      }
      case Tok::kLetter: ++pos_; return letter(t.text, true);
      case Tok::kCh: {
        if (t.text == "(") return group("(", ")");
        if (t.text == "[") return group("[", "]");
        if (t.text == "{") return group("{", "}");
        if (t.text == "|") {
          ++pos_;
          ++abs_depth_;
          std::int32_t inner = parse_sum();
          --abs_depth_;
          expect_ch("|");
          return mk(Op::Abs, {}, {inner});
        }
        throw ParseFail{"unexpected '" + t.text + "'"};
      }
      case Tok::kCmd: break;
    }
    ++pos_;
    const std::string& n = t.text;
    if (n == "frac" || n == "cfrac") {
      std::int32_t a = parse_script_arg();
      std::int32_t b = parse_script_arg();
      std::int32_t d = mk(Op::Div, {}, {a, b});
      tree_.nodes[d].frac_of_ints = tree_.nodes[a].int_literal && tree_.nodes[b].int_literal;
      return d;
    }
    if (n == "sqrt") {
      std::int32_t index = -1;
      if (is_ch("[")) index = group("[", "]");
      std::int32_t rad = parse_script_arg();
      if (index < 0) index = num_literal("2");
      return mk(Op::Root, {}, {rad, index});
    }
    if (n == "binom") {
      std::int32_t a = parse_script_arg();
      std::int32_t b = parse_script_arg();
      return mk(Op::Binom, {}, {a, b});
    }
    if (n == "pi") return mk(Op::Pi);
    if (n == "infty" || n == "infin") return mk(Op::Inf);
    if (n == "imath") return mk(Op::I);
    if (is_function_name(n)) return parse_function(n);
    if (n == "operatorname" || n == "text" || n == "mathrm" || n == "textrm" || n == "mathit" || n == "textit") {
      std::string raw = trim(braced_raw());
      if (is_function_name(raw)) return parse_function(raw);
      if (raw.size() == 1 && is_alpha(raw[0])) return letter(raw, true);
      if (raw.empty()) throw ParseFail{"empty text"};
      return mk(Op::kSym, "\\text{" + raw + "}");
    }
    if (in(kGreek, n)) {
      std::string name = n;
      if (is_ch("_")) {
        ++pos_;
        name += "_" + subscript_text();
      }
      return mk(Op::kSym, name);
    }
    if (in(kAccents, n)) {
      std::string name = "\\" + n + "{" + (is_ch("{") ? braced_raw() : subscript_text()) + "}";
      if (is_ch("_")) {
        ++pos_;
        name += "_" + subscript_text();
      }
      return mk(Op::kSym, name);
    }
    throw ParseFail{"unknown command \\" + n};
  }
};

}  // namespace

ParseResult parse_latex(std::string_view text, Budget& budget) {
  ParseResult r;
  if (text.size() > budget.limits().max_answer_chars) {
    budget.exceed("answer length");
    r.error = "answer too long for symbolic parsing";
    return r;
  }
  try {
    Parser p(lex(text), budget);
    r.tree = p.run();
  } catch (const ParseFail& f) {
    r.error = f.why;
  } catch (const std::exception& e) {  // bad_alloc and the like: never escape a grader
    r.error = e.what();
  }
  return r;
}

}  // namespace trafl::grading
