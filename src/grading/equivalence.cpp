#include "grading/equivalence.hpp"

#include "grading/answer_structure.hpp"
#include "grading/expr_compare.hpp"
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
    if (g.kind == K::Equation || p.kind == K::Equation) return equations(g, p);
    if (g.kind == K::Choice || p.kind == K::Choice)
      return decide(g.kind == p.kind && g.text == p.text, "choice");
    if (g.kind == K::Text || p.kind == K::Text) {
      if (g.kind != K::Text && g.kind != K::Scalar) return decide(false, "structure_mismatch");
      if (p.kind != K::Text && p.kind != K::Scalar) return decide(false, "structure_mismatch");
      return decide(to_lower(remove_spaces(g.text)) == to_lower(remove_spaces(p.text)), "text");
    }
    if (g.kind == K::BaseNumber || p.kind == K::BaseNumber) return base_numbers(g, p);
    if (g.kind == K::Scalar && p.kind == K::Scalar) return scalars(g.text, p.text);
    if (g.kind == K::Ordered && p.kind == K::Ordered) {
      if (g.open != p.open || g.close != p.close) return decide(false, "bracket_mismatch");
      if (g.items.size() != p.items.size()) return decide(false, "length_mismatch");
      for (std::size_t k = 0; k < g.items.size(); ++k)
        if (!equal(g.items[k], p.items[k])) return prefix("tuple");
      return prefix("tuple");
    }
    if ((g.kind == K::Unordered && p.kind == K::Unordered) || (g.kind == K::Union && p.kind == K::Union))
      return unordered(g.items, p.items, g.kind == K::Union ? "union" : "set");
    if (g.kind == K::Matrix && p.kind == K::Matrix) {
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
    if (a.kind == K::Unordered && a.open.empty() && a.items.size() == 1 && a.var.empty()) return unwrap(a.items[0]);
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
    if (c.decision == Decision::Unknown) return decide(false, c.path);
    return decide(c.decision == Decision::Equal, c.path);
  }

  bool base_numbers(const Answer& g, const Answer& p) {
    if (g.kind == K::BaseNumber && p.kind == K::BaseNumber)
      return decide(g.base == p.base && to_lower(g.text) == to_lower(p.text), "base_number");
    // One side omitted the base subscript: the digits must match (the value in base 10 must not:
    // "52_8" answers "write 42 in base 8", so 42 is wrong and 52 is the same numeral).
    const Answer& other = g.kind == K::BaseNumber ? p : g;
    const Answer& based = g.kind == K::BaseNumber ? g : p;
    if (other.kind != K::Scalar) return decide(false, "structure_mismatch");
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

  bool equations(const Answer& g, const Answer& p) {
    auto sides = [](const Answer& a, std::string& l, std::string& r) {
      if (a.kind == K::Equation) {
        l = a.text;
        r = a.rhs;
        return true;
      }
      if (a.kind == K::Scalar && !a.var.empty()) {  // y = 2x + 3 was split into var and value
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
    if (c.decision != Decision::Unknown) return decide(c.decision == Decision::Equal, c.path);
    // Equations without unknowns or unparsable ones: compare the sides pairwise.
    if (!scalars(l1, l2)) return false;
    return scalars(r1, r2);
  }
};

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
  e.equal = c.decision == Decision::Equal;
  e.path = c.path;
  if (!c.note.empty()) e.notes.push_back(c.note);
  e.budget_exceeded = budget.exceeded();
  e.budget_reason = budget.reason();
  return e;
}

}  // namespace trafl::grading
