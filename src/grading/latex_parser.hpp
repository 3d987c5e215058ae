#pragma once
// LaTeX (as written in math answers) → ExprTree, by hand-written recursive descent.
// Knows: + - * / \cdot \times \div, implicit multiplication, ^ (LaTeX single-token or braced
// exponents), \frac \dfrac-already-normalised \sqrt[n]{}, \binom, !, |x|, \pi e i \infty,
// Greek letters and subscripted symbols (x_1, M_{\odot}), trig/log/exp functions with or without
// parentheses, mixed numbers (3\frac{1}{2} = 3.5, as MATH writes them), scientific literals
// (4.5e33). A number with a subscript (52_8, a base-8 numeral) is refused rather than silently
// read as 528; answer_structure handles whole-answer base numerals.
#include <optional>
#include <string>
#include <string_view>

#include "grading/budget.hpp"
#include "grading/expr.hpp"

namespace trafl::grading {

struct ParseResult {
  std::optional<ExprTree> tree;
  std::string error;  // why it failed (for details), empty on success
};

ParseResult parse_latex(std::string_view text, Budget& budget);

}  // namespace trafl::grading
