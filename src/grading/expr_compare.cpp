#include "grading/expr_compare.hpp"

#include <fmt/format.h>

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
  return CompareOutcome{d, std::move(path), std::move(note), {}};
}

// Reasons are built only on the not-equal side of a decision, and only when the caller asks.
std::string num(double v) { return fmt::format("{:.10g}", v); }
std::string num(C v) { return v.imag() == 0 ? num(v.real()) : fmt::format("{:.10g}{:+.10g}i", v.real(), v.imag()); }

// "x = -1.5, y = 0.7": sample point p as both sides saw it (real and complex evaluation use the
// same signed points).
std::string point_text(const ExprTree& a, const ExprTree& b, int p) {
  std::set<std::string> names = free_symbols(a);
  for (const auto& n : free_symbols(b)) names.insert(n);
  std::string s;
  for (const auto& n : names) s += fmt::format("{}{} = {}", s.empty() ? "" : ", ", n, num(signed_point_value(n, p)));
  return s;
}

CompareOutcome ask_ginac(const ExprTree& a, const ExprTree& b, Budget& budget, Decision fallback,
                         const std::string& fallback_path, bool explain, std::string fallback_reason = {}) {
  Decision d = ginac_equal(a, b, budget);
  if (d != Decision::kUnknown) {
    CompareOutcome o = out(d, "ginac");
    if (explain && d == Decision::kNotEqual) o.reason = "exact simplification (GiNaC): gold - answer is not 0";
    return o;
  }
  CompareOutcome o = out(fallback, fallback_path, budget.exceeded() ? budget.reason() : std::string());
  if (explain) {
    if (!fallback_reason.empty())
      o.reason = std::move(fallback_reason);
    else if (budget.exceeded())
      o.reason = "undecided: the comparison budget ran out (" + budget.reason() + ")";
    else
      o.reason =
          "undecided: no sample point where both sides are defined, and exact simplification (GiNaC) could "
          "not decide";
  }
  return o;
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

// At point p one side is defined over the reals and the other is not: which, said for a person.
std::string one_sided(const ExprTree& a, const ExprTree& b, int p, const char* a_name, const char* b_name) {
  bool a_defined = eval_real(a, p, signed_point_value).status == RealStatus::kValue;
  return fmt::format("at {} the {} is defined and the {} is not (outside its real domain)", point_text(a, b, p),
                     a_defined ? a_name : b_name, a_defined ? b_name : a_name);
}

// A tree that is one decimal literal (or its negation) as written: "0.0833333333333333", "-2.6667".
struct LoneDecimal {
  Rational value;
  int significant = 0;                  // digits from the first non-zero one
  int places = 0;                       // digits after the point
  const std::string* digits = nullptr;  // the literal as written (in the tree), for reasons
  bool negative = false;
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
  d.digits = &n->text;
  d.negative = neg;
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

std::string written(const LoneDecimal& d) { return (d.negative ? "-" : "") + *d.digits; }

// Why a lone decimal did not stand for the exact value on the other side.
std::string rounding_rule(const std::optional<LoneDecimal>& da, const std::optional<LoneDecimal>& db) {
  const LoneDecimal& d = da ? *da : *db;
  return fmt::format(
      "; a decimal stands for an exact value only when it has at least {} significant digits and is that value "
      "correctly rounded to its last digit ({} has {} significant digit{}{})",
      kMinRoundedDigits, written(d), d.significant, d.significant == 1 ? "" : "s",
      d.significant >= kMinRoundedDigits ? " but is not the value rounded" : "");
}

std::string exact_text(const Rational& v, const std::optional<LoneDecimal>& d) {
  return d ? written(*d) : to_string(v);
}

}  // namespace

CompareOutcome compare_trees(const ExprTree& a, const ExprTree& b, Budget& budget, bool explain) {
  if (!budget.ok()) {
    CompareOutcome o = out(Decision::kUnknown, "budget_exceeded", budget.reason());
    if (explain) o.reason = "undecided: the comparison budget ran out (" + budget.reason() + ")";
    return o;
  }
  ExactValue ea = eval_exact(a), eb = eval_exact(b);
  // One side a lone decimal, the other an exact expression (no decimal in it): the rounding rule.
  std::optional<LoneDecimal> da = b.has_decimal ? std::nullopt : lone_decimal(a);
  std::optional<LoneDecimal> db = a.has_decimal ? std::nullopt : lone_decimal(b);
  if (ea.status == ExactStatus::kExact && eb.status == ExactStatus::kExact) {
    if (ea.value == eb.value) return out(Decision::kEqual, "rational");
    if ((da && rounded_exact(*da, eb.value)) || (db && rounded_exact(*db, ea.value)))
      return out(Decision::kEqual, "decimal_rounded");
    CompareOutcome o = out(Decision::kNotEqual, "rational");
    if (explain)
      o.reason =
          fmt::format("gold {} and answer {} are different exact values{}", exact_text(ea.value, lone_decimal(a)),
                      exact_text(eb.value, lone_decimal(b)), da || db ? rounding_rule(da, db) : "");
    return o;
  }
  if (ea.status != ExactStatus::kNotRational && eb.status != ExactStatus::kNotRational)
    return ask_ginac(a, b, budget, Decision::kUnknown, "budget_exceeded", explain);  // huge rationals: exact only

  const double tol = (a.has_decimal || b.has_decimal) ? kRelTolRounded : kRelTolExact;
  const bool constant = free_symbols(a).empty() && free_symbols(b).empty();
  if (constant) {
    C va = eval_complex(a, 0, random_point_value), vb = eval_complex(b, 0, random_point_value);
    if (finite(va) && finite(vb)) {
      if (close(va, vb, tol)) return out(Decision::kEqual, "numeric");
      if ((da && rounded_value(*da, vb)) || (db && rounded_value(*db, va)))
        return out(Decision::kEqual, "decimal_rounded");
      std::string why;
      if (explain)
        why = fmt::format("gold = {} and answer = {} differ beyond the relative tolerance {:g}{}", num(va), num(vb),
                          tol, da || db ? rounding_rule(da, db) : "");
      if (std::max(std::abs(va), std::abs(vb)) < 1e-9)  // cancellation territory: sin(π) vs 0
        return ask_ginac(a, b, budget, Decision::kNotEqual, "numeric", explain, std::move(why));
      CompareOutcome o = out(Decision::kNotEqual, "numeric");
      o.reason = std::move(why);
      return o;
    }
    bool ia = std::isinf(va.real()) && va.imag() == 0, ib = std::isinf(vb.real()) && vb.imag() == 0;
    auto infinite = [&](Decision d) {
      CompareOutcome o = out(d, "infinity");
      if (explain && d != Decision::kEqual) o.reason = fmt::format("gold = {} and answer = {}", num(va), num(vb));
      return o;
    };
    if (ia && ib && contains_op(a, Op::Inf) && contains_op(b, Op::Inf))
      return infinite(va.real() == vb.real() ? Decision::kEqual : Decision::kNotEqual);
    if ((contains_op(a, Op::Inf) || contains_op(b, Op::Inf)) && (finite(va) || finite(vb)))
      return infinite(Decision::kNotEqual);
    return ask_ginac(a, b, budget, Decision::kUnknown, "numeric_undefined", explain);
  }

  const bool complex = has_i(a, b);
  int valid = 0;
  for (int p = 0; p < kPoints; ++p) {
    PointValues v = at_point(a, b, complex, p);
    if (v.kind == PointKind::kOneSided) {
      CompareOutcome o = out(Decision::kNotEqual, "numeric_domain");
      if (explain) o.reason = one_sided(a, b, p, "gold", "answer");
      return o;
    }
    if (v.kind == PointKind::kNeither) continue;
    bool both_tiny = std::abs(v.a) < 1e-12 && std::abs(v.b) < 1e-12;
    if (!both_tiny && !close(v.a, v.b, tol)) {
      CompareOutcome o = out(Decision::kNotEqual, "numeric_random_points");
      if (explain)
        o.reason = fmt::format("they differ at {} (gold {}, answer {})", point_text(a, b, p), num(v.a), num(v.b));
      return o;
    }
    ++valid;
  }
  if (valid >= kMinPoints) return out(Decision::kEqual, "numeric_random_points");
  return ask_ginac(a, b, budget, Decision::kUnknown, "numeric_undefined", explain);
}

namespace {

CompareOutcome parse_failed(const char* side, const std::string& error, bool explain) {
  CompareOutcome o = out(Decision::kUnknown, "parse_failed", std::string(side) + ": " + error);
  if (explain) o.reason = fmt::format("undecided: the {} could not be read as an expression ({})", side, error);
  return o;
}

}  // namespace

CompareOutcome compare_expressions(std::string_view a, std::string_view b, Budget& budget, bool explain) {
  ParseResult pa = parse_latex(a, budget);
  if (!pa.tree) return parse_failed("gold", pa.error, explain);
  ParseResult pb = parse_latex(b, budget);
  if (!pb.tree) return parse_failed("prediction", pb.error, explain);
  return compare_trees(*pa.tree, *pb.tree, budget, explain);
}

CompareOutcome compare_equations(std::string_view l1, std::string_view r1, std::string_view l2, std::string_view r2,
                                 Budget& budget, bool positive_factor, bool explain) {
  std::string d1 = "(" + std::string(l1) + ")-(" + std::string(r1) + ")";
  std::string d2 = "(" + std::string(l2) + ")-(" + std::string(r2) + ")";
  ParseResult pa = parse_latex(d1, budget);
  if (!pa.tree) return parse_failed("gold", pa.error, explain);
  ParseResult pb = parse_latex(d2, budget);
  if (!pb.tree) return parse_failed("prediction", pb.error, explain);
  const ExprTree& a = *pa.tree;
  const ExprTree& b = *pb.tree;
  if (free_symbols(a).empty() && free_symbols(b).empty()) return out(Decision::kUnknown, "equation_without_unknowns");
  const double tol = (a.has_decimal || b.has_decimal) ? kRelTolRounded : kRelTolExact;
  const bool complex = has_i(a, b);
  int valid = 0, first = 0;
  C ratio;
  for (int p = 0; p < kPoints; ++p) {
    PointValues v = at_point(a, b, complex, p);
    if (v.kind == PointKind::kOneSided) {
      CompareOutcome o = out(Decision::kNotEqual, "equation_domain");
      if (explain) o.reason = one_sided(a, b, p, "gold's left - right", "answer's left - right");
      return o;
    }
    if (v.kind == PointKind::kNeither || std::abs(v.b) < 1e-12 || std::abs(v.a) < 1e-12) continue;
    C r = v.a / v.b;
    if (valid == 0) {
      ratio = r;
      first = p;
    } else if (!close(r, ratio, tol)) {
      CompareOutcome o = out(Decision::kNotEqual, "equation_proportional");
      if (explain)
        o.reason = fmt::format(
            "gold's left - right is not a constant multiple of the answer's: their ratio is {} at {} but {} at {}",
            num(ratio), point_text(a, b, first), num(r), point_text(a, b, p));
      return o;
    }
    ++valid;
  }
  if (valid >= kMinPoints) {
    if (positive_factor && !(ratio.real() > 0 && std::abs(ratio.imag()) <= tol * std::abs(ratio))) {
      CompareOutcome o = out(Decision::kNotEqual, "relation_reversed");
      if (explain)
        o.reason = fmt::format(
            "the relations point opposite ways: gold's left - right is {} times the answer's (a negative factor "
            "reverses an inequality)",
            num(ratio));
      return o;
    }
    return out(Decision::kEqual, "equation_proportional");
  }
  CompareOutcome o = out(Decision::kUnknown, "numeric_undefined");
  if (explain) o.reason = "undecided: too few sample points where both equations are defined";
  return o;
}

}  // namespace trafl::grading
