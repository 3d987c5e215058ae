#pragma once
// The "symbolic" mode's equivalence: normalise both answers (normalize_symbolic), then
//   exact string → normalised string → structure (answer_structure) compared element-wise:
//   tuples/intervals ordered with bracket types respected, sets and bare lists order-free,
//   unions order-free, matrices by shape then cell, equations up to a constant factor,
//   `x = ` prefixes dropped (but two different variables never match), multiple-choice
//   letters, base-b numerals by digits and base, words case-insensitively, and single
//   expressions through expr_compare (exact rationals, numeric, GiNaC).
// Every comparison runs under a Budget; when it runs out, only the string paths decide.
#include <string>
#include <string_view>
#include <vector>

#include "grading/budget.hpp"

namespace trafl::grading {

struct Equivalence {
  bool equal = false;
  std::string path;  // the step that decided, e.g. "normalized_string", "tuple/rational"
  std::string gold_normalized;
  std::string pred_normalized;
  std::string gold_structure;  // describe() of the parsed answers
  std::string pred_structure;
  std::vector<std::string> notes;  // parse failures, refusals
  std::string reason;              // when not equal: the specific cause, for a person ("sets differ: ...")
  bool budget_exceeded = false;
  std::string budget_reason;
};

Equivalence symbolic_equivalent(std::string_view gold, std::string_view pred, const Limits& limits = Limits());

// Single-expression comparison with a string-equality shortcut and no structure (the
// "minerva" mode's symbolic step).
Equivalence expression_equivalent(std::string_view gold, std::string_view pred, const Limits& limits = Limits());

}  // namespace trafl::grading
