#include "grading/equivalence.hpp"

#include "grading/answer_structure.hpp"
#include "grading/expr_compare.hpp"
#include "grading/expr_eval.hpp"
#include "grading/latex_parser.hpp"
#include "grading/normalize_symbolic.hpp"
#include "grading/text_util.hpp"

namespace trafl::grading {

namespace {

using K = Answer::Kind;

class Judge {
 public:
  Judge(Budget& budget, Equivalence& result) : budget_(budget), r_(result) {}

  bool equal(const Answer& g0, const Answer& p0) {
    const Answer& g = unwrap(g0);
    const Answer& p = unwrap(p0);
    if (!g.var.empty() && !p.var.empty() && g.var != p.var) return decide(false, "variable_mismatch");
    // A prediction that ends in "<constant> = value" ("\frac{1}{2} = \frac{10}{9}", as a
    // computation is written) answers with its value; a gold equation is never reduced so.
    if (p.kind == K::kEquation && g.kind != K::kEquation && constant(p.text)) {
      Answer value = parse_answer(p.rhs);
      r_.notes.push_back("prediction: value after '=' of a computation");
      return equal(g, value);
    }
    if (g.kind == K::kRelation || p.kind == K::kRelation) return relations(g, p);
    if (g.kind == K::kEquation || p.kind == K::kEquation) return equations(g, p);
    if (g.kind == K::kChoice || p.kind == K::kChoice) return decide(g.kind == p.kind && g.text == p.text, "choice");
    if (g.kind == K::kText || p.kind == K::kText) {
      if (g.kind != K::kText && g.kind != K::kScalar) return decide(false, "structure_mismatch");
      if (p.kind != K::kText && p.kind != K::kScalar) return decide(false, "structure_mismatch");
      return decide(to_lower(remove_spaces(g.text)) == to_lower(remove_spaces(p.text)), "text");
    }
    if (g.kind == K::kBaseNumber || p.kind == K::kBaseNumber) return base_numbers(g, p);
    if (g.kind == K::kScalar && p.kind == K::kScalar) return scalars(g.text, p.text);
    if (g.kind == K::kOrdered && p.kind == K::kOrdered) {
      if (g.open != p.open || g.close != p.close) return decide(false, "bracket_mismatch");
      if (g.items.size() != p.items.size()) return decide(false, "length_mismatch");
      for (std::size_t k = 0; k < g.items.size(); ++k)
        if (!equal(g.items[k], p.items[k])) return prefix("tuple");
      return prefix("tuple");
    }
    if ((g.kind == K::kUnordered && p.kind == K::kUnordered) || (g.kind == K::kUnion && p.kind == K::kUnion))
      return unordered(g.items, p.items, g.kind == K::kUnion ? "union" : "set");
    if (g.kind == K::kMatrix && p.kind == K::kMatrix) {
      if (g.rows != p.rows || g.cols != p.cols) return decide(false, "shape_mismatch");
      for (std::size_t k = 0; k < g.items.size(); ++k)
        if (!equal(g.items[k], p.items[k])) return prefix("matrix");
      return prefix("matrix");
    }
    return decide(false, std::string("structure_mismatch:") + kind_name(g.kind) + "/" + kind_name(p.kind));
  }

 private:
  Budget& budget_;
  Equivalence& r_;
  bool last_ = false;

  static const Answer& unwrap(const Answer& a) {
    if (a.kind == K::kUnordered && a.open.empty() && a.items.size() == 1 && a.var.empty()) return unwrap(a.items[0]);
    return a;
  }
  bool decide(bool v, std::string path) {
    r_.path = std::move(path);
    last_ = v;
    return v;
  }
  bool prefix(const char* what) {  // structure name in front of the element's path
    if (!starts_with(r_.path, what)) r_.path = std::string(what) + "/" + r_.path;
    return last_;
  }

  bool scalars(const std::string& a, const std::string& b) {
    if (remove_spaces(a) == remove_spaces(b)) return decide(true, "normalized_string");
    CompareOutcome c = compare_expressions(a, b, budget_);
    if (!c.note.empty()) r_.notes.push_back(c.path + ": " + c.note);
    if (c.decision == Decision::kUnknown) return decide(false, c.path);
    return decide(c.decision == Decision::kEqual, c.path);
  }

  bool base_numbers(const Answer& g, const Answer& p) {
    if (g.kind == K::kBaseNumber && p.kind == K::kBaseNumber)
      return decide(g.base == p.base && to_lower(g.text) == to_lower(p.text), "base_number");
    // One side omitted the base subscript: the digits must match (the value in base 10 must not:
    // "52_8" answers "write 42 in base 8", so 42 is wrong and 52 is the same numeral).
    const Answer& other = g.kind == K::kBaseNumber ? p : g;
    const Answer& based = g.kind == K::kBaseNumber ? g : p;
    if (other.kind != K::kScalar) return decide(false, "structure_mismatch");
    return decide(to_lower(remove_spaces(other.text)) == to_lower(based.text), "base_number_digits");
  }

  bool unordered(const std::vector<Answer>& g, const std::vector<Answer>& p, const char* what) {
    if (g.size() != p.size()) return decide(false, std::string(what) + "/size_mismatch");
    std::vector<bool> used(p.size(), false);
    for (const Answer& x : g) {
      bool found = false;
      for (std::size_t k = 0; k < p.size() && !found; ++k) {
        if (used[k]) continue;
        if (equal(x, p[k])) {
          used[k] = true;
          found = true;
        }
      }
      if (!found) {
        decide(false, std::string(what) + "/element_missing");
        return false;
      }
    }
    return decide(true, std::string(what));
  }

  bool constant(const std::string& expr) {
    ParseResult pr = parse_latex(expr, budget_);
    return pr.tree && free_symbols(*pr.tree).empty() && !contains_op(*pr.tree, Op::Inf);
  }

  // x < 5, x \le 5, 5 > x, ...: as L − R < 0, L − R \le 0 or L − R \ne 0 after swapping > and \ge.
  static Answer oriented(const Answer& a) {
    Answer o = a;
    if (a.rel == ">" || a.rel == "\\ge") {
      std::swap(o.text, o.rhs);
      o.rel = a.rel == ">" ? "<" : "\\le";
    }
    return o;
  }

  // A one-sided relation of a variable and a bound as the interval it describes: x \le 5 is
  // (-\infty, 5], 2 < x is (2, \infty).
  static bool as_interval(const Answer& r, Answer& out) {
    if (r.rel == "\\ne") return false;
    Answer o = oriented(r);  // lhs < rhs or lhs \le rhs
    bool var_left = is_name(o.text), var_right = is_name(o.rhs);
    if (var_left == var_right) return false;
    out = Answer();
    out.kind = K::kOrdered;
    Answer bound;
    bound.kind = K::kScalar;
    Answer inf;
    inf.kind = K::kScalar;
    if (var_left) {  // x < c
      inf.text = "-\\infty";
      bound.text = o.rhs;
      out.open = "(";
      out.close = o.rel == "<" ? ")" : "]";
      out.items = {inf, bound};
      out.var = remove_spaces(o.text);
    } else {  // c < x
      inf.text = "\\infty";
      bound.text = o.text;
      out.open = o.rel == "<" ? "(" : "[";
      out.close = ")";
      out.items = {bound, inf};
      out.var = remove_spaces(o.rhs);
    }
    return true;
  }
  static bool is_name(const std::string& s) {
    std::string t = remove_spaces(s);
    if (t.size() == 1 && is_alpha(t[0])) return true;
    return t.size() > 1 && t[0] == '\\' &&
           t.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", 1) == std::string::npos &&
           t != "\\infty" && t != "\\pi";
  }

  bool relations(const Answer& g, const Answer& p) {
    if (g.kind == K::kRelation && p.kind == K::kRelation) {
      Answer a = oriented(g), b = oriented(p);
      if (a.rel != b.rel) return decide(false, "relation_mismatch");
      // L1 − R1 = c·(L2 − R2) with c > 0 keeps the direction (x < 1 and -x > -1); \ne allows any c ≠ 0.
      CompareOutcome c = compare_equations(a.text, a.rhs, b.text, b.rhs, budget_, a.rel != "\\ne");
      if (!c.note.empty()) r_.notes.push_back(c.path + ": " + c.note);
      if (c.decision != Decision::kUnknown) return decide(c.decision == Decision::kEqual, "relation/" + c.path);
      if (!scalars(a.text, b.text)) return false;
      return scalars(a.rhs, b.rhs);
    }
    const Answer& r = g.kind == K::kRelation ? g : p;
    const Answer& other = g.kind == K::kRelation ? p : g;
    Answer interval;
    if (other.kind == K::kOrdered && other.items.size() == 2 && as_interval(r, interval)) {
      bool v = g.kind == K::kRelation ? equal(interval, other) : equal(other, interval);
      return prefix("relation_as_interval") && v;
    }
    return decide(false, std::string("structure_mismatch:") + kind_name(g.kind) + "/" + kind_name(p.kind));
  }

  bool equations(const Answer& g, const Answer& p) {
    auto sides = [](const Answer& a, std::string& l, std::string& r) {
      if (a.kind == K::kEquation) {
        l = a.text;
        r = a.rhs;
        return true;
      }
      if (a.kind == K::kScalar && !a.var.empty()) {  // y = 2x + 3 was split into var and value
        l = a.var;
        r = a.text;
        return true;
      }
      return false;
    };
    std::string l1, r1, l2, r2;
    if (!sides(g, l1, r1) || !sides(p, l2, r2)) return decide(false, "structure_mismatch:equation");
    if (remove_spaces(l1) == remove_spaces(l2) && remove_spaces(r1) == remove_spaces(r2))
      return decide(true, "normalized_string");
    CompareOutcome c = compare_equations(l1, r1, l2, r2, budget_);
    if (!c.note.empty()) r_.notes.push_back(c.path + ": " + c.note);
    if (c.decision != Decision::kUnknown) return decide(c.decision == Decision::kEqual, c.path);
    // Equations without unknowns or unparsable ones: compare the sides pairwise.
    if (!scalars(l1, l2)) return false;
    return scalars(r1, r2);
  }
};

bool has_percent(std::string_view raw) {
  std::string t = to_lower(raw);
  return t.find('%') != std::string::npos || t.find("percent") != std::string::npos ||
         t.find("pct") != std::string::npos;
}

// "-1000,99": digits, one comma, digits — not a thousands grouping (that was read already).
bool decimal_comma_candidate(const std::string& s) {
  std::size_t i = (!s.empty() && s[0] == '-') ? 1 : 0;
  std::size_t comma = s.find(',');
  if (comma == std::string::npos || comma == i || comma + 1 >= s.size() || s.find(',', comma + 1) != std::string::npos)
    return false;
  for (std::size_t k = i; k < s.size(); ++k)
    if (k != comma && !is_digit(s[k])) return false;
  bool thousands = s.size() - comma - 1 == 3 && comma - i <= 3 && s[i] != '0';  // 2,740 is 2740
  return !thousands;
}

bool plain_decimal(const std::string& s) {  // "1000.99", "-2.74"
  std::size_t i = (!s.empty() && s[0] == '-') ? 1 : 0;
  std::size_t dot = s.find('.');
  if (dot == std::string::npos || dot == i || dot + 1 >= s.size()) return false;
  for (std::size_t k = i; k < s.size(); ++k)
    if (k != dot && !is_digit(s[k])) return false;
  return true;
}

// Second readings, tried only after the plain comparison said "not equal":
//  - a percent sign on exactly one side: 10% is also 0.1 (Qwen2.5-Math's reading); both sides
//    with a percent sign, or neither, have no second reading (0.28% is not 28%);
//  - a decimal comma in the prediction ("1000,99", "2,74") when the gold is a plain decimal
//    written with a point — the gold says which reading is meant. A gold written with a comma
//    ("1,22") is ambiguous (a list of two numbers, or a decimal) and is never re-read.
void try_readings(std::string_view gold, std::string_view pred, Equivalence& e, Budget& budget) {
  const std::string& gn = e.gold_normalized;
  const std::string& pn = e.pred_normalized;
  auto scalar_pair = [&](const std::string& a, const std::string& b, const char* path) {
    Answer ga = parse_answer(a), pa = parse_answer(b);
    if (ga.kind != Answer::Kind::kScalar || pa.kind != Answer::Kind::kScalar) return false;
    if (!ga.var.empty() && !pa.var.empty() && ga.var != pa.var) return false;
    CompareOutcome c = compare_expressions(ga.text, pa.text, budget);
    if (c.decision != Decision::kEqual) return false;
    e.equal = true;
    e.path = std::string(path) + "/" + c.path;
    return true;
  };
  bool gp = has_percent(gold), pp = has_percent(pred);
  if (gp != pp) {
    if (pp && scalar_pair(gn, "(" + pn + ")/100", "percent_as_fraction")) return;
    if (gp && scalar_pair("(" + gn + ")/100", pn, "percent_as_fraction")) return;
  }
  std::string p = remove_spaces(pn);
  if (decimal_comma_candidate(p) && plain_decimal(remove_spaces(gn))) {
    std::string dotted = p;
    dotted[dotted.find(',')] = '.';
    scalar_pair(gn, dotted, "decimal_comma");
  }
}

Equivalence start(std::string_view gold, std::string_view pred) {
  Equivalence e;
  e.gold_normalized = trim(gold);
  e.pred_normalized = trim(pred);
  return e;
}

}  // namespace

Equivalence symbolic_equivalent(std::string_view gold, std::string_view pred, const Limits& limits) {
  Equivalence e = start(gold, pred);
  if (e.gold_normalized == e.pred_normalized) {
    e.equal = true;
    e.path = "exact_string";
    return e;
  }
  Budget budget(limits);
  if (gold.size() > limits.max_answer_chars || pred.size() > limits.max_answer_chars) {
    // Hostile or runaway answers: no normalisation/structure work beyond a space-free compare.
    budget.exceed("answer length");
    e.equal = remove_spaces(gold) == remove_spaces(pred);
    e.path = "string_only";
    e.budget_exceeded = true;
    e.budget_reason = budget.reason();
    return e;
  }
  e.gold_normalized = normalize_symbolic(gold);
  e.pred_normalized = normalize_symbolic(pred);
  if (remove_spaces(e.gold_normalized) == remove_spaces(e.pred_normalized)) {
    e.equal = true;
    e.path = "normalized_string";
    return e;
  }
  Answer g = parse_answer(e.gold_normalized);
  Answer p = parse_answer(e.pred_normalized);
  e.gold_structure = describe(g);
  e.pred_structure = describe(p);
  Judge judge(budget, e);
  e.equal = judge.equal(g, p);
  if (!e.equal && !budget.exceeded()) try_readings(gold, pred, e, budget);
  e.budget_exceeded = budget.exceeded();
  e.budget_reason = budget.reason();
  return e;
}

Equivalence expression_equivalent(std::string_view gold, std::string_view pred, const Limits& limits) {
  Equivalence e = start(gold, pred);
  if (e.gold_normalized == e.pred_normalized) {
    e.equal = true;
    e.path = "string_equality";
    return e;
  }
  Budget budget(limits);
  CompareOutcome c = compare_expressions(e.gold_normalized, e.pred_normalized, budget);
  e.equal = c.decision == Decision::kEqual;
  e.path = c.path;
  if (!c.note.empty()) e.notes.push_back(c.note);
  e.budget_exceeded = budget.exceeded();
  e.budget_reason = budget.reason();
  return e;
}

}  // namespace trafl::grading
