#include "grading/expr_real.hpp"

#include <cmath>
#include <cstdint>

#include "grading/expr_eval.hpp"
#include "grading/rational.hpp"

namespace trafl::grading {

namespace {

struct V {
  double v = 0;
  bool outside = false;  // left the real domain somewhere below (sticky)
};

V outside() { return V{std::nan(""), true}; }

// x^(p/q) for a negative x and an exact exponent with odd q: the real root, signed by p's parity.
// Anything else with a negative base and a non-integer exponent is outside the domain.
V negative_base_power(double base, const ExactValue& e) {
  if (e.status != ExactStatus::kExact || e.value.den % 2 == 0) return outside();
  double mag = std::pow(-base, to_double(e.value));
  return V{e.value.num % 2 == 0 ? mag : -mag, false};
}

bool is_integer(double x) { return std::isfinite(x) && x == std::round(x); }

V func(const std::string& f, double x) {
  auto need = [](bool ok, double v) { return ok ? V{v, false} : outside(); };
  if (f == "sin") return V{std::sin(x)};
  if (f == "cos") return V{std::cos(x)};
  if (f == "tan") return V{std::tan(x)};
  if (f == "cot") return V{1.0 / std::tan(x)};
  if (f == "sec") return V{1.0 / std::cos(x)};
  if (f == "csc") return V{1.0 / std::sin(x)};
  if (f == "arcsin") return need(std::abs(x) <= 1, std::asin(x));
  if (f == "arccos") return need(std::abs(x) <= 1, std::acos(x));
  if (f == "arctan") return V{std::atan(x)};
  if (f == "arccot") return V{std::atan(1.0 / x)};
  if (f == "arcsec") return need(std::abs(x) >= 1, std::acos(1.0 / x));
  if (f == "arccsc") return need(std::abs(x) >= 1, std::asin(1.0 / x));
  if (f == "sinh") return V{std::sinh(x)};
  if (f == "cosh") return V{std::cosh(x)};
  if (f == "tanh") return V{std::tanh(x)};
  if (f == "coth") return V{1.0 / std::tanh(x)};
  if (f == "ln" || f == "log") return need(x >= 0, std::log(x));  // log 0 = −inf: a pole, not a domain gap
  if (f == "lg") return need(x >= 0, std::log10(x));
  if (f == "exp") return V{std::exp(x)};
  return V{std::nan("")};  // unknown function: no value, and no claim about the domain
}

// Γ-based factorial and binomial, signed correctly for negative non-integers (lgamma drops the sign).
double factorial(double x) {
  if (x < 0 && is_integer(x)) return HUGE_VAL;  // pole
  return std::tgamma(x + 1.0);
}

double binomial(double a, double b) {
  if (a >= 0 && b >= 0 && a - b >= 0 && a > 150)
    return std::exp(std::lgamma(a + 1) - std::lgamma(b + 1) - std::lgamma(a - b + 1));
  return factorial(a) / (factorial(b) * factorial(a - b));
}

class RealEval {
 public:
  RealEval(const ExprTree& t, int point, RealSymbolValues value_of) : t_(t), point_(point), value_of_(value_of) {}

  V at(std::int32_t i) {
    const Node& n = t_.nodes[i];
    switch (n.op) {
      case Op::kNum: {
        auto r = parse_decimal(n.text);
        return V{r ? to_double(*r) : std::strtod(n.text.c_str(), nullptr)};
      }
      case Op::kSym: return V{value_of_(n.text, point_)};
      case Op::Pi: return V{M_PI};
      case Op::E: return V{M_E};
      case Op::I: return outside();  // callers use the complex evaluator for trees with i
      case Op::Inf: return V{HUGE_VAL};
      case Op::Add:
      case Op::Mul: {
        V acc{n.op == Op::Add ? 0.0 : 1.0};
        for (auto k : n.kids) {
          V x = at(k);
          if (x.outside) return x;
          acc.v = n.op == Op::Add ? acc.v + x.v : acc.v * x.v;
        }
        return acc;
      }
      case Op::Neg: {
        V x = at(n.kids[0]);
        x.v = -x.v;
        return x;
      }
      case Op::Div: {
        V a = at(n.kids[0]);
        if (a.outside) return a;
        V b = at(n.kids[1]);
        if (b.outside) return b;
        return V{a.v / b.v};
      }
      case Op::Pow: return power(n);
      case Op::Root: return root(n);
      case Op::Func: {
        V x = at(n.kids[0]);
        if (x.outside) return x;
        if (n.kids.size() == 2) {  // log_b x
          V b = at(n.kids[1]);
          if (b.outside) return b;
          if (x.v < 0 || b.v <= 0 || b.v == 1) return outside();
          return V{std::log(x.v) / std::log(b.v)};
        }
        return func(n.text, x.v);
      }
      case Op::Fact: {
        V x = at(n.kids[0]);
        if (x.outside) return x;
        return V{factorial(x.v)};
      }
      case Op::Abs: {
        V x = at(n.kids[0]);
        x.v = std::abs(x.v);
        return x;
      }
      case Op::Binom: {
        V a = at(n.kids[0]);
        if (a.outside) return a;
        V b = at(n.kids[1]);
        if (b.outside) return b;
        return V{binomial(a.v, b.v)};
      }
    }
    return V{std::nan("")};
  }

 private:
  const ExprTree& t_;
  int point_;
  RealSymbolValues value_of_;

  V power(const Node& n) {
    V b = at(n.kids[0]);
    if (b.outside) return b;
    V e = at(n.kids[1]);
    if (e.outside) return e;
    if (is_integer(e.v) || b.v > 0) return V{std::pow(b.v, e.v)};
    if (b.v == 0) return V{e.v > 0 ? 0.0 : HUGE_VAL};
    if (std::isnan(b.v) || std::isnan(e.v)) return V{std::nan("")};
    return negative_base_power(b.v, eval_exact_at(t_, n.kids[1]));
  }

  V root(const Node& n) {
    V x = at(n.kids[0]);
    if (x.outside) return x;
    V k = at(n.kids[1]);
    if (k.outside) return k;
    if (x.v >= 0) return V{std::pow(x.v, 1.0 / k.v)};
    if (std::isnan(x.v)) return x;
    // Negative radicand: the real root for an odd integer index, else outside the domain.
    if (is_integer(k.v) && std::fmod(std::abs(k.v), 2.0) == 1.0) return V{-std::pow(-x.v, 1.0 / k.v)};
    return outside();
  }
};

std::uint64_t mix(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

}  // namespace

RealValue eval_real(const ExprTree& t, int point, RealSymbolValues value_of) {
  V v = RealEval(t, point, value_of).at(t.root);
  if (v.outside) return RealValue{RealStatus::kOutsideDomain, 0};
  if (!std::isfinite(v.v)) return RealValue{RealStatus::kNotFinite, 0};
  return RealValue{RealStatus::kValue, v.v};
}

double signed_point_value(const std::string& name, int point) {
  double magnitude = random_point_value(name, point).real();  // [0.35, 2.85)
  if (point < kPositivePoints) return magnitude;
  // Blocks of 4 points, one scale each; in every block two points are negative, which two is
  // picked per name (so x and y get different sign patterns: |x + y| vs |x| + |y|).
  static constexpr double kScale[kSignedPoints / 4] = {1.0, 3.0, 10.0, 1.0};
  static constexpr std::uint8_t kTwoOfFour[6] = {0x3, 0x5, 0x6, 0x9, 0xA, 0xC};
  const int k = (point - kPositivePoints) % kSignedPoints, block = k / 4;
  std::uint64_t h = 0x243F6A8885A308D3ull;  // FNV-1a of the name, then mixed
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ull;
  std::uint8_t negative = kTwoOfFour[(mix(h) >> (8 * block)) % 6];
  double v = magnitude * kScale[block];
  return ((negative >> (k % 4)) & 1u) ? -v : v;
}

}  // namespace trafl::grading
