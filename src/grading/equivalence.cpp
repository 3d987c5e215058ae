#include "grading/equivalence.hpp"

#include <fmt/format.h>

#include "grading/answer_structure.hpp"
#include "grading/expr_compare.hpp"
#include "grading/expr_eval.hpp"
#include "grading/latex_parser.hpp"
#include "grading/normalize_symbolic.hpp"
#include "grading/text_util.hpp"

namespace trafl::grading {

namespace {

using K = Answer::Kind;

// An answer as a reason shows it: its canonical form, cut short when long.
std::string shown(const Answer& a) {
  std::string d = describe(a);
  if (d.size() > 80) d = d.substr(0, 77) + "...";
  return d;
}

// "gold is a tuple (1, 2), the answer a set set{1, 2}".
std::string kinds(const Answer& g, const Answer& p) {
  return fmt::format("gold is a {} ({}), the answer a {} ({})", kind_name(g.kind), shown(g), kind_name(p.kind),
                     shown(p));
}

class Judge {
 public:
  Judge(Budget& budget, Equivalence& result) : budget_(budget), r_(result) {}

  bool equal(const Answer& g0, const Answer& p0) {
    const Answer& g = unwrap(g0);
    const Answer& p = unwrap(p0);
    if (!g.var.empty() && !p.var.empty() && g.var != p.var)
      return fail("variable_mismatch",
                  [&] { return fmt::format("labels differ: gold {}=, answer {}=", g.var, p.var); });
    // A prediction that ends in "<constant> = value" ("\frac{1}{2} = \frac{10}{9}", as a
    // computation is written) answers with its value; a gold equation is never reduced so.
    if (p.kind == K::kEquation && g.kind != K::kEquation && constant(p.text)) {
      Answer value = parse_answer(p.rhs);
      r_.notes.push_back("prediction: value after '=' of a computation");
      return equal(g, value);
    }
    if (g.kind == K::kRelation || p.kind == K::kRelation) return relations(g, p);
    if (g.kind == K::kEquation || p.kind == K::kEquation) return equations(g, p);
    if (g.kind == K::kChoice || p.kind == K::kChoice) {
      if (g.kind != p.kind) return fail("choice", [&] { return kinds(g, p); });
      return check(g.text == p.text, "choice",
                   [&] { return fmt::format("choice {} is not gold's {}", p.text, g.text); });
    }
    if (g.kind == K::kText || p.kind == K::kText) {
      if (g.kind != K::kText && g.kind != K::kScalar) return fail("structure_mismatch", [&] { return kinds(g, p); });
      if (p.kind != K::kText && p.kind != K::kScalar) return fail("structure_mismatch", [&] { return kinds(g, p); });
      return check(to_lower(remove_spaces(g.text)) == to_lower(remove_spaces(p.text)), "text",
                   [&] { return fmt::format("words differ: gold '{}', answer '{}'", g.text, p.text); });
    }
    if (g.kind == K::kBaseNumber || p.kind == K::kBaseNumber) return base_numbers(g, p);
    if (g.kind == K::kScalar && p.kind == K::kScalar) return scalars(g.text, p.text);
    if (g.kind == K::kOrdered && p.kind == K::kOrdered) {
      if (g.open != p.open || g.close != p.close)
        return fail("bracket_mismatch", [&] {
          return fmt::format(
              "brackets differ: gold {}...{}, answer {}...{} (an open and a closed end are not the same)", g.open,
              g.close, p.open, p.close);
        });
      if (g.items.size() != p.items.size())
        return fail("length_mismatch", [&] {
          return fmt::format("gold has {} items ({}), the answer {} ({})", g.items.size(), shown(g), p.items.size(),
                             shown(p));
        });
      for (std::size_t k = 0; k < g.items.size(); ++k)
        if (!equal(g.items[k], p.items[k])) {
          within([&] { return fmt::format("item {} of {}", k + 1, g.items.size()); });
          return prefix("tuple");
        }
      return prefix("tuple");
    }
    if ((g.kind == K::kUnordered && p.kind == K::kUnordered) || (g.kind == K::kUnion && p.kind == K::kUnion))
      return unordered(g.items, p.items, g.kind == K::kUnion ? "union" : "set");
    if (g.kind == K::kMatrix && p.kind == K::kMatrix) {
      if (g.rows != p.rows || g.cols != p.cols)
        return fail("shape_mismatch", [&] {
          return fmt::format("matrix shapes differ: gold {}x{}, answer {}x{}", g.rows, g.cols, p.rows, p.cols);
        });
      for (std::size_t k = 0; k < g.items.size(); ++k)
        if (!equal(g.items[k], p.items[k])) {
          within([&] { return fmt::format("entry (row {}, column {})", k / g.cols + 1, k % g.cols + 1); });
          return prefix("matrix");
        }
      return prefix("matrix");
    }
    return fail(std::string("structure_mismatch:") + kind_name(g.kind) + "/" + kind_name(p.kind),
                [&] { return kinds(g, p); });
  }

 private:
  Budget& budget_;
  Equivalence& r_;
  bool last_ = false;
  // > 0 while trying pairings that may fail on the way to a match (set elements): no reasons then,
  // so a right answer costs no formatting.
  int quiet_ = 0;

  bool explain() const { return quiet_ == 0; }
  // Not equal, and why (built only when it can reach the verdict).
  template <class Why>
  bool fail(std::string path, Why&& why) {
    if (explain()) r_.reason = why();
    return decide(false, std::move(path));
  }
  template <class Why>
  bool check(bool v, std::string path, Why&& why) {
    return v ? decide(true, std::move(path)) : fail(std::move(path), std::forward<Why>(why));
  }
  // A part's reason said within its whole: "item 2 of 3: ...".
  template <class Where>
  void within(Where&& where) {
    if (explain()) r_.reason = where() + ": " + r_.reason;
  }

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
    CompareOutcome c = compare_expressions(a, b, budget_, explain());
    if (!c.note.empty()) r_.notes.push_back(c.path + ": " + c.note);
    if (c.decision == Decision::kEqual) return decide(true, c.path);
    return fail(c.path, [&] { return std::move(c.reason); });
  }

  bool base_numbers(const Answer& g, const Answer& p) {
    if (g.kind == K::kBaseNumber && p.kind == K::kBaseNumber)
      return check(g.base == p.base && to_lower(g.text) == to_lower(p.text), "base_number", [&] {
        return fmt::format("numerals differ: gold {}_{}, answer {}_{}", g.text, g.base, p.text, p.base);
      });
    // One side omitted the base subscript: the digits must match (the value in base 10 must not:
    // "52_8" answers "write 42 in base 8", so 42 is wrong and 52 is the same numeral).
    const Answer& other = g.kind == K::kBaseNumber ? p : g;
    const Answer& based = g.kind == K::kBaseNumber ? g : p;
    if (other.kind != K::kScalar) return fail("structure_mismatch", [&] { return kinds(g, p); });
    return check(to_lower(remove_spaces(other.text)) == to_lower(based.text), "base_number_digits", [&] {
      return fmt::format(
          "digits differ: {} against the base-{} numeral {} (one side has no base, so the digits "
          "must match)",
          other.text, based.base, based.text);
    });
  }

  bool unordered(const std::vector<Answer>& g, const std::vector<Answer>& p, const char* what) {
    if (g.size() != p.size())
      return fail(std::string(what) + "/size_mismatch", [&] {
        return fmt::format("{}s differ in size: gold has {} elements, the answer {}", what, g.size(), p.size());
      });
    std::vector<bool> used(p.size(), false);
    for (const Answer& x : g) {
      bool found = false;
      ++quiet_;
      for (std::size_t k = 0; k < p.size() && !found; ++k) {
        if (used[k]) continue;
        if (equal(x, p[k])) {
          used[k] = true;
          found = true;
        }
      }
      --quiet_;
      if (!found)
        return fail(std::string(what) + "/element_missing",
                    [&] { return fmt::format("{}s differ: the answer lacks gold's {}", what, shown(x)); });
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
      if (a.rel != b.rel)
        return fail("relation_mismatch", [&] {
          return fmt::format("relations differ: gold {} {} {}, answer {} {} {} (written with < or \\le)", a.text, a.rel,
                             a.rhs, b.text, b.rel, b.rhs);
        });
      // L1 − R1 = c·(L2 − R2) with c > 0 keeps the direction (x < 1 and -x > -1); \ne allows any c ≠ 0.
      CompareOutcome c = compare_equations(a.text, a.rhs, b.text, b.rhs, budget_, a.rel != "\\ne", explain());
      if (!c.note.empty()) r_.notes.push_back(c.path + ": " + c.note);
      if (c.decision != Decision::kUnknown)
        return check(c.decision == Decision::kEqual, "relation/" + c.path, [&] { return std::move(c.reason); });
      return sides(a.text, a.rhs, b.text, b.rhs);
    }
    const Answer& r = g.kind == K::kRelation ? g : p;
    const Answer& other = g.kind == K::kRelation ? p : g;
    Answer interval;
    if (other.kind == K::kOrdered && other.items.size() == 2 && as_interval(r, interval)) {
      bool v = g.kind == K::kRelation ? equal(interval, other) : equal(other, interval);
      if (!v) within([&] { return fmt::format("the relation read as the interval {}", shown(interval)); });
      return prefix("relation_as_interval") && v;
    }
    return fail(std::string("structure_mismatch:") + kind_name(g.kind) + "/" + kind_name(p.kind),
                [&] { return kinds(g, p); });
  }

  // Two relations or equations that could not be compared as wholes: side by side.
  bool sides(const std::string& l1, const std::string& r1, const std::string& l2, const std::string& r2) {
    if (!scalars(l1, l2)) {
      within([] { return std::string("left sides"); });
      return false;
    }
    if (!scalars(r1, r2)) within([] { return std::string("right sides"); });
    return last_;
  }

  bool equations(const Answer& g, const Answer& p) {
    auto split = [](const Answer& a, std::string& l, std::string& r) {
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
    if (!split(g, l1, r1) || !split(p, l2, r2)) return fail("structure_mismatch:equation", [&] { return kinds(g, p); });
    if (remove_spaces(l1) == remove_spaces(l2) && remove_spaces(r1) == remove_spaces(r2))
      return decide(true, "normalized_string");
    CompareOutcome c = compare_equations(l1, r1, l2, r2, budget_, false, explain());
    if (!c.note.empty()) r_.notes.push_back(c.path + ": " + c.note);
    if (c.decision != Decision::kUnknown)
      return check(c.decision == Decision::kEqual, c.path, [&] { return std::move(c.reason); });
    // Equations without unknowns or unparsable ones: compare the sides pairwise.
    return sides(l1, r1, l2, r2);
  }
};

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
    CompareOutcome c = compare_expressions(ga.text, pa.text, budget, false);  // the plain reading's reason stands
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
    if (!e.equal)
      e.reason = fmt::format(
          "an answer over {} characters is only compared as a string (spaces removed), and the "
          "strings differ",
          limits.max_answer_chars);
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
  if (!e.equal) e.reason = std::move(c.reason);
  if (!c.note.empty()) e.notes.push_back(c.note);
  e.budget_exceeded = budget.exceeded();
  e.budget_reason = budget.reason();
  return e;
}

}  // namespace trafl::grading
