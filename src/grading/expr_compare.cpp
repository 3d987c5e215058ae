#include "grading/expr_compare.hpp"

#include <cmath>
#include <complex>
#include <optional>

#include "grading/expr_eval.hpp"
#include "grading/expr_real.hpp"
#include "grading/latex_parser.hpp"

namespace trafl::grading {

namespace {

using C = std::complex<double>;

bool finite(C v) { return std::isfinite(v.real()) && std::isfinite(v.imag()); }
bool close(C a, C b, double tol) {
  double scale = std::max(std::abs(a), std::abs(b));
  return std::abs(a - b) <= tol * scale;
}

CompareOutcome out(Decision d, std::string path, std::string note = {}) {
  return CompareOutcome{d, std::move(path), std::move(note)};
}

CompareOutcome ask_ginac(const ExprTree& a, const ExprTree& b, Budget& budget, Decision fallback,
                         const std::string& fallback_path) {
  Decision d = ginac_equal(a, b, budget);
  if (d != Decision::kUnknown) return out(d, "ginac");
  return out(fallback, fallback_path, budget.exceeded() ? budget.reason() : std::string());
}

constexpr int kPoints = kPositivePoints + kSignedPoints;  // all tried (unless one disagrees)
constexpr int kMinPoints = 4;  // points where both sides are defined, needed to call it equal

enum class PointKind { kBoth, kOneSided, kNeither };
struct PointValues {
  PointKind kind = PointKind::kNeither;
  C a, b;
};

// Both sides at sample point p. Over the reals (no i on either side) with domains respected: one
// side defined and the other outside its domain is a disagreement (ln|x| vs ln x at x < 0); a
// point where either side has no finite value (a pole, overflow) or both are outside says nothing.
// With i on a side, complex principal values at the same signed points.
PointValues at_point(const ExprTree& a, const ExprTree& b, bool complex, int p) {
  PointValues v;
  if (complex) {
    auto value = [](const std::string& name, int point) { return C(signed_point_value(name, point), 0); };
    v.a = eval_complex(a, p, value);
    v.b = eval_complex(b, p, value);
    v.kind = finite(v.a) && finite(v.b) ? PointKind::kBoth : PointKind::kNeither;
    return v;
  }
  RealValue ra = eval_real(a, p, signed_point_value), rb = eval_real(b, p, signed_point_value);
  if (ra.status == RealStatus::kNotFinite || rb.status == RealStatus::kNotFinite) return v;
  if (ra.status == RealStatus::kOutsideDomain && rb.status == RealStatus::kOutsideDomain) return v;
  if (ra.status != rb.status) {
    v.kind = PointKind::kOneSided;
    return v;
  }
  v.kind = PointKind::kBoth;
  v.a = C(ra.value, 0);
  v.b = C(rb.value, 0);
  return v;
}

bool has_i(const ExprTree& a, const ExprTree& b) { return contains_op(a, Op::I) || contains_op(b, Op::I); }

// A tree that is one decimal literal (or its negation) as written: "0.0833333333333333", "-2.6667".
struct LoneDecimal {
  Rational value;
  int significant = 0;  // digits from the first non-zero one
  int places = 0;       // digits after the point
};
std::optional<LoneDecimal> lone_decimal(const ExprTree& t) {
  if (t.root < 0) return std::nullopt;
  const Node* n = &t.nodes[t.root];
  bool neg = false;
  if (n->op == Op::Neg) {
    neg = true;
    n = &t.nodes[n->kids[0]];
  }
  if (n->op != Op::kNum || n->text.find('.') == std::string::npos || n->text.find_first_of("eE") != std::string::npos)
    return std::nullopt;
  auto v = parse_decimal((neg ? "-" : "") + n->text);
  if (!v) return std::nullopt;
  LoneDecimal d{*v};
  bool started = false;
  for (char c : n->text) {
    if (c == '.') continue;
    started = started || c != '0';
    if (started) ++d.significant;
  }
  d.places = static_cast<int>(n->text.size() - n->text.find('.') - 1);
  return d;
}

// The documented precision for decimals against exact values: a decimal of at least
// kMinRoundedDigits significant digits equals an exact value when it is that value correctly
// rounded to its own last digit (|d − v| ≤ ½·10^−places). 0.0833333333333333 and 0.083333 are
// 1/12, 2.6667 is 8/3 and 3.1416 is π; 0.333, 0.3333, 21.99 (7π) and 3.1415 (π truncated) are not.
constexpr int kMinRoundedDigits = 5;

bool rounded_exact(const LoneDecimal& d, const Rational& v) {
  if (d.significant < kMinRoundedDigits || d.places > 30) return false;
  Rational neg_v{-v.num, v.den};
  auto diff = add(d.value, neg_v);
  i128 scale = 1;
  for (int k = 0; k < d.places; ++k) scale *= 10;
  if (diff) {
    auto scaled = mul(*diff, Rational{2 * scale, 1});  // |d − v|·2·10^places ≤ 1
    if (scaled) {
      i128 num = scaled->num < 0 ? -scaled->num : scaled->num;
      return num <= scaled->den;
    }
  }
  long double dv = static_cast<long double>(to_double(d.value)) - static_cast<long double>(to_double(v));
  return std::fabs(static_cast<double>(dv)) * 2.0 * static_cast<double>(scale) <= 1.0 + 1e-9;
}

bool rounded_value(const LoneDecimal& d, C v) {
  if (d.significant < kMinRoundedDigits || d.places > 30 || std::abs(v.imag()) > 0) return false;
  double half = 0.5 * std::pow(10.0, -d.places);
  return std::abs(to_double(d.value) - v.real()) <= half * (1 + 1e-9) + 1e-15 * std::abs(v.real());
}

}  // namespace

CompareOutcome compare_trees(const ExprTree& a, const ExprTree& b, Budget& budget) {
  if (!budget.ok()) return out(Decision::kUnknown, "budget_exceeded", budget.reason());
  ExactValue ea = eval_exact(a), eb = eval_exact(b);
  // One side a lone decimal, the other an exact expression (no decimal in it): the rounding rule.
  std::optional<LoneDecimal> da = b.has_decimal ? std::nullopt : lone_decimal(a);
  std::optional<LoneDecimal> db = a.has_decimal ? std::nullopt : lone_decimal(b);
  if (ea.status == ExactStatus::kExact && eb.status == ExactStatus::kExact) {
    if (ea.value == eb.value) return out(Decision::kEqual, "rational");
    if ((da && rounded_exact(*da, eb.value)) || (db && rounded_exact(*db, ea.value)))
      return out(Decision::kEqual, "decimal_rounded");
    return out(Decision::kNotEqual, "rational");
  }
  if (ea.status != ExactStatus::kNotRational && eb.status != ExactStatus::kNotRational)
    return ask_ginac(a, b, budget, Decision::kUnknown, "budget_exceeded");  // huge rationals: exact only

  const double tol = (a.has_decimal || b.has_decimal) ? kRelTolRounded : kRelTolExact;
  const bool constant = free_symbols(a).empty() && free_symbols(b).empty();
  if (constant) {
    C va = eval_complex(a, 0, random_point_value), vb = eval_complex(b, 0, random_point_value);
    if (finite(va) && finite(vb)) {
      if (close(va, vb, tol)) return out(Decision::kEqual, "numeric");
      if ((da && rounded_value(*da, vb)) || (db && rounded_value(*db, va)))
        return out(Decision::kEqual, "decimal_rounded");
      if (std::max(std::abs(va), std::abs(vb)) < 1e-9)  // cancellation territory: sin(π) vs 0
        return ask_ginac(a, b, budget, Decision::kNotEqual, "numeric");
      return out(Decision::kNotEqual, "numeric");
    }
    bool ia = std::isinf(va.real()) && va.imag() == 0, ib = std::isinf(vb.real()) && vb.imag() == 0;
    if (ia && ib && contains_op(a, Op::Inf) && contains_op(b, Op::Inf))
      return out(va.real() == vb.real() ? Decision::kEqual : Decision::kNotEqual, "infinity");
    if ((contains_op(a, Op::Inf) || contains_op(b, Op::Inf)) && (finite(va) || finite(vb)))
      return out(Decision::kNotEqual, "infinity");
    return ask_ginac(a, b, budget, Decision::kUnknown, "numeric_undefined");
  }

  const bool complex = has_i(a, b);
  int valid = 0;
  for (int p = 0; p < kPoints; ++p) {
    PointValues v = at_point(a, b, complex, p);
    if (v.kind == PointKind::kOneSided) return out(Decision::kNotEqual, "numeric_domain");
    if (v.kind == PointKind::kNeither) continue;
    bool both_tiny = std::abs(v.a) < 1e-12 && std::abs(v.b) < 1e-12;
    if (!both_tiny && !close(v.a, v.b, tol)) return out(Decision::kNotEqual, "numeric_random_points");
    ++valid;
  }
  if (valid >= kMinPoints) return out(Decision::kEqual, "numeric_random_points");
  return ask_ginac(a, b, budget, Decision::kUnknown, "numeric_undefined");
}

CompareOutcome compare_expressions(std::string_view a, std::string_view b, Budget& budget) {
  ParseResult pa = parse_latex(a, budget);
  if (!pa.tree) return out(Decision::kUnknown, "parse_failed", "gold: " + pa.error);
  ParseResult pb = parse_latex(b, budget);
  if (!pb.tree) return out(Decision::kUnknown, "parse_failed", "prediction: " + pb.error);
  return compare_trees(*pa.tree, *pb.tree, budget);
}

CompareOutcome compare_equations(std::string_view l1, std::string_view r1, std::string_view l2, std::string_view r2,
                                 Budget& budget, bool positive_factor) {
  std::string d1 = "(" + std::string(l1) + ")-(" + std::string(r1) + ")";
  std::string d2 = "(" + std::string(l2) + ")-(" + std::string(r2) + ")";
  ParseResult pa = parse_latex(d1, budget);
  if (!pa.tree) return out(Decision::kUnknown, "parse_failed", "gold: " + pa.error);
  ParseResult pb = parse_latex(d2, budget);
  if (!pb.tree) return out(Decision::kUnknown, "parse_failed", "prediction: " + pb.error);
  const ExprTree& a = *pa.tree;
  const ExprTree& b = *pb.tree;
  if (free_symbols(a).empty() && free_symbols(b).empty()) return out(Decision::kUnknown, "equation_without_unknowns");
  const double tol = (a.has_decimal || b.has_decimal) ? kRelTolRounded : kRelTolExact;
  const bool complex = has_i(a, b);
  int valid = 0;
  C ratio;
  for (int p = 0; p < kPoints; ++p) {
    PointValues v = at_point(a, b, complex, p);
    if (v.kind == PointKind::kOneSided) return out(Decision::kNotEqual, "equation_domain");
    if (v.kind == PointKind::kNeither || std::abs(v.b) < 1e-12 || std::abs(v.a) < 1e-12) continue;
    C r = v.a / v.b;
    if (valid == 0)
      ratio = r;
    else if (!close(r, ratio, tol))
      return out(Decision::kNotEqual, "equation_proportional");
    ++valid;
  }
  if (valid >= kMinPoints) {
    if (positive_factor && !(ratio.real() > 0 && std::abs(ratio.imag()) <= tol * std::abs(ratio)))
      return out(Decision::kNotEqual, "relation_reversed");
    return out(Decision::kEqual, "equation_proportional");
  }
  return out(Decision::kUnknown, "numeric_undefined");
}

}  // namespace trafl::grading
