#pragma once
// Equivalence of two single expressions (no tuples, no equations): the decision ladder
//   1. exact rationals (both sides rational and fit in 128 bits): decisive, no tolerance;
//   2. both rational but too big for 128 bits: GiNaC exact arithmetic (double cannot tell
//      2^200 from 2^200+1);
//   3. constants: complex double, relative tolerance (below); near-zero or non-finite values
//      go to GiNaC (normal/expand of a−b);
//   4. free symbols: evaluation at deterministic pseudo-random points of both signs and several
//      scales (expr_real.hpp), over the reals with each side's domain respected: a point where one
//      side is defined and the other is not decides "not equal" (ln|x| vs ln x), points where
//      neither is defined are skipped (√(1/n) vs 1/√n), and at least kMinPoints points where both
//      are defined must agree (so |x| ≠ x, |x−3| ≠ 3−x, √(x²) = |x|, and 2k vs 2n differ); with
//      an i on a side, complex principal values at the same points; too few points → GiNaC
//      (real symbols, no positivity assumed).
// Tolerances (relative, |a−b| ≤ tol·max(|a|,|b|)): 1e-9 when both sides are exact expressions
// (double rounding only), 1e-6 when a side holds a decimal literal (the writer rounded, e.g.
// 1.4142136 for √2). Stricter than Qwen2.5-Math's 1e-4 on purpose: 3.14 is not π, and decimals
// against rationals are compared exactly (0.333 ≠ 1/3). Relative, never absolute, so
// 1/2^99 vs 1/2^98 differ (Math-Verify's absolute 6-digit rounding equates them).
// One exception, the rounding rule: an answer that is a lone decimal of at least 5 significant
// digits equals an exact constant when it is that constant correctly rounded to its last digit
// (0.0833333333333333 = 1/12, 2.6667 = 8/3, 3.1416 = π; never 0.333 = 1/3, 3.1415 = π or 21.99 = 7π).
#include <string>
#include <string_view>

#include "grading/budget.hpp"
#include "grading/expr.hpp"
#include "grading/ginac_bridge.hpp"

namespace trafl::grading {

inline constexpr double kRelTolExact = 1e-9;
inline constexpr double kRelTolRounded = 1e-6;

struct CompareOutcome {
  Decision decision = Decision::kUnknown;
  std::string path;    // which step decided: rational, ginac, numeric, numeric_random_points, parse_failed, ...
  std::string note;    // parse error or refusal, for details
  std::string reason;  // when not kEqual and asked to explain: the specific cause, for a person
};

// `explain`: write `reason` when the outcome is not kEqual. Callers that try pairings which may
// fail on the way to a match (set elements) pass false, so a right answer costs no formatting.
// `a` is the gold side, `b` the answer (the reason names them so).
CompareOutcome compare_expressions(std::string_view a, std::string_view b, Budget& budget, bool explain = true);
CompareOutcome compare_trees(const ExprTree& a, const ExprTree& b, Budget& budget, bool explain = true);

// Equations L1 = R1 and L2 = R2 are equivalent when L1−R1 = c·(L2−R2) for a constant c ≠ 0
// (y = 2x+3 vs 2x − y + 3 = 0; a plane scaled by 2).
// With `positive_factor`, c must be > 0: the relations L1 < R1 and L2 < R2 are the same set then
// (x < 1 and -x > -1 after orienting both as L − R < 0), and opposite ones (c < 0) are not.
CompareOutcome compare_equations(std::string_view l1, std::string_view r1, std::string_view l2, std::string_view r2,
                                 Budget& budget, bool positive_factor = false, bool explain = true);

}  // namespace trafl::grading
