#pragma once
// Evaluating an ExprTree over the reals, with each expression's domain respected: √ of a
// negative, log of a non-positive, arcsin outside [−1, 1], an even root or a fractional power
// with even denominator of a negative base are *outside the domain*, not complex numbers. Odd
// roots and powers p/q with odd q of negatives are the real root ((−8)^{1/3} = −2), as in school
// algebra. The symbolic check compares two answers at points of both signs and needs this: a
// point where one side is defined and the other is not is a disagreement (ln|x| vs ln x), a point
// where both are undefined says nothing (√(1/n) vs 1/√n at n < 0).
#include <string>

#include "grading/expr.hpp"

namespace trafl::grading {

enum class RealStatus {
  kValue,          // finite real value
  kOutsideDomain,  // some step left the reals (see above)
  kNotFinite,      // overflow, division by zero, a pole: says nothing about the domain
};

struct RealValue {
  RealStatus status = RealStatus::kValue;
  double value = 0;
};

using RealSymbolValues = double (*)(const std::string& name, int point);
RealValue eval_real(const ExprTree& t, int point, RealSymbolValues value_of);

// Deterministic sample points per (symbol name, point): points 0..kPositivePoints−1 are positive
// (in [0.35, 2.85), where most answers' domains lie); the next kSignedPoints come in blocks of 4
// with magnitudes scaled by 1, 3, 10, 1 (so a kink away from 0, |x − 3| vs 3 − x, is crossed too)
// and two negative points per block, which two chosen per name.
inline constexpr int kPositivePoints = 4;
inline constexpr int kSignedPoints = 16;
double signed_point_value(const std::string& name, int point);

}  // namespace trafl::grading
