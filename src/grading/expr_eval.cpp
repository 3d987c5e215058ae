#include "grading/expr_eval.hpp"

#include <cmath>

namespace trafl::grading {

namespace {

using C = std::complex<double>;

bool isqrt128(i128 v, i128& root) {
  if (v < 0) return false;
  double d = std::sqrt(static_cast<double>(v));
  i128 r = static_cast<i128>(d);
  for (i128 c = (r > 2 ? r - 2 : 0); c <= r + 2; ++c) {
    if (c * c == v) {
      root = c;
      return true;
    }
  }
  return false;
}

ExactValue fail(ExactStatus s) { return ExactValue{s, {}}; }

ExactValue exact(const ExprTree& t, std::int32_t i) {
  const Node& n = t.nodes[i];
  auto ok = [](std::optional<Rational> r) {
    return r ? ExactValue{ExactStatus::kExact, *r} : fail(ExactStatus::kOverflow);
  };
  switch (n.op) {
    case Op::kNum: {
      auto r = parse_decimal(n.text);
      return r ? ExactValue{ExactStatus::kExact, *r} : fail(ExactStatus::kOverflow);
    }
    case Op::Add:
    case Op::Mul: {
      ExactValue acc{ExactStatus::kExact, Rational{n.op == Op::Add ? 0 : 1, 1}};
      ExactStatus worst = ExactStatus::kExact;
      for (std::int32_t k : n.kids) {
        ExactValue v = exact(t, k);
        if (v.status == ExactStatus::kNotRational) return v;
        if (v.status == ExactStatus::kOverflow) {
          worst = ExactStatus::kOverflow;
          continue;
        }
        if (worst != ExactStatus::kExact) continue;
        auto r = n.op == Op::Add ? add(acc.value, v.value) : mul(acc.value, v.value);
        if (!r)
          worst = ExactStatus::kOverflow;
        else
          acc.value = *r;
      }
      return worst == ExactStatus::kExact ? acc : fail(worst);
    }
    case Op::Neg: {
      ExactValue v = exact(t, n.kids[0]);
      if (v.status == ExactStatus::kExact) v.value.num = -v.value.num;
      return v;
    }
    case Op::Div: {
      ExactValue a = exact(t, n.kids[0]), b = exact(t, n.kids[1]);
      if (a.status == ExactStatus::kNotRational || b.status == ExactStatus::kNotRational)
        return fail(ExactStatus::kNotRational);
      if (a.status != ExactStatus::kExact || b.status != ExactStatus::kExact) return fail(ExactStatus::kOverflow);
      if (b.value.num == 0) return fail(ExactStatus::kNotRational);  // undefined: let other paths decide
      return ok(div(a.value, b.value));
    }
    case Op::Pow: {
      ExactValue b = exact(t, n.kids[0]), e = exact(t, n.kids[1]);
      if (b.status == ExactStatus::kNotRational || e.status != ExactStatus::kExact) {
        return fail(e.status == ExactStatus::kOverflow && b.status != ExactStatus::kNotRational
                        ? ExactStatus::kOverflow
                        : ExactStatus::kNotRational);
      }
      if (e.value.den != 1) {
        // Rational exponent: exact only for perfect powers; x^{1/2} of a perfect square.
        if (e.value.den == 2 && b.status == ExactStatus::kExact) {
          i128 rn, rd;
          if (isqrt128(b.value.num, rn) && isqrt128(b.value.den, rd)) {
            auto root = make_rational(rn, rd);
            if (root && e.value.num >= -130 && e.value.num <= 130)
              return ok(pow_int(*root, static_cast<long>(e.value.num)));
          }
        }
        return fail(ExactStatus::kNotRational);
      }
      if (b.status == ExactStatus::kOverflow) return b;
      if (e.value.num > 1000000 || e.value.num < -1000000) {
        if (b.value.den == 1 && (b.value.num == 1 || b.value.num == 0)) return ok(pow_int(b.value, 1));
        return fail(ExactStatus::kOverflow);
      }
      return ok(pow_int(b.value, static_cast<long>(e.value.num)));
    }
    case Op::Root: {
      ExactValue r = exact(t, n.kids[0]), idx = exact(t, n.kids[1]);
      if (r.status != ExactStatus::kExact || idx.status != ExactStatus::kExact) return fail(ExactStatus::kNotRational);
      if (!(idx.value.den == 1 && idx.value.num == 2)) return fail(ExactStatus::kNotRational);
      i128 rn, rd;
      if (isqrt128(r.value.num, rn) && isqrt128(r.value.den, rd)) return ok(make_rational(rn, rd));
      return fail(ExactStatus::kNotRational);
    }
    case Op::Fact: {
      ExactValue v = exact(t, n.kids[0]);
      if (v.status != ExactStatus::kExact) return v;
      if (v.value.den != 1 || v.value.num < 0) return fail(ExactStatus::kNotRational);
      if (v.value.num > 33) return fail(ExactStatus::kOverflow);
      i128 f = 1;
      for (i128 k = 2; k <= v.value.num; ++k) f *= k;
      return ExactValue{ExactStatus::kExact, Rational{f, 1}};
    }
    case Op::Abs: {
      ExactValue v = exact(t, n.kids[0]);
      if (v.status == ExactStatus::kExact && v.value.num < 0) v.value.num = -v.value.num;
      return v;
    }
    case Op::Binom: {
      ExactValue a = exact(t, n.kids[0]), b = exact(t, n.kids[1]);
      if (a.status != ExactStatus::kExact || b.status != ExactStatus::kExact) return fail(ExactStatus::kNotRational);
      if (a.value.den != 1 || b.value.den != 1 || b.value.num < 0 || a.value.num < 0)
        return fail(ExactStatus::kNotRational);
      if (b.value.num > a.value.num) return ExactValue{ExactStatus::kExact, Rational{0, 1}};
      Rational acc{1, 1};
      i128 k = b.value.num;
      if (k > a.value.num - k) k = a.value.num - k;
      if (k > 200) return fail(ExactStatus::kOverflow);
      for (i128 j = 1; j <= k; ++j) {
        auto next = mul(acc, Rational{a.value.num - k + j, j});
        if (!next) return fail(ExactStatus::kOverflow);
        acc = *next;
      }
      return ExactValue{ExactStatus::kExact, acc};
    }
    default: return fail(ExactStatus::kNotRational);
  }
}

C apply_function(const std::string& f, C x) {
  if (f == "sin") return std::sin(x);
  if (f == "cos") return std::cos(x);
  if (f == "tan") return std::tan(x);
  if (f == "cot") return 1.0 / std::tan(x);
  if (f == "sec") return 1.0 / std::cos(x);
  if (f == "csc") return 1.0 / std::sin(x);
  if (f == "arcsin") return std::asin(x);
  if (f == "arccos") return std::acos(x);
  if (f == "arctan") return std::atan(x);
  if (f == "arccot") return std::atan(1.0 / x);
  if (f == "arcsec") return std::acos(1.0 / x);
  if (f == "arccsc") return std::asin(1.0 / x);
  if (f == "sinh") return std::sinh(x);
  if (f == "cosh") return std::cosh(x);
  if (f == "tanh") return std::tanh(x);
  if (f == "coth") return 1.0 / std::tanh(x);
  if (f == "ln" || f == "log") return std::log(x);  // \log is read as natural log on both sides
  if (f == "lg") return std::log10(x);
  if (f == "exp") return std::exp(x);
  return C(std::nan(""), 0);
}

C complex_value(const ExprTree& t, std::int32_t i, int point, SymbolValues value_of) {
  const Node& n = t.nodes[i];
  switch (n.op) {
    case Op::kNum: {
      auto r = parse_decimal(n.text);
      return r ? C(to_double(*r), 0) : C(std::strtod(n.text.c_str(), nullptr), 0);
    }
    case Op::kSym: return value_of(n.text, point);
    case Op::Pi: return C(M_PI, 0);
    case Op::E: return C(M_E, 0);
    case Op::I: return C(0, 1);
    case Op::Inf: return C(HUGE_VAL, 0);
    case Op::Add: {
      C acc(0, 0);
      for (auto k : n.kids) acc += complex_value(t, k, point, value_of);
      return acc;
    }
    case Op::Mul: {
      C acc(1, 0);
      for (auto k : n.kids) acc *= complex_value(t, k, point, value_of);
      return acc;
    }
    case Op::Neg: return -complex_value(t, n.kids[0], point, value_of);
    case Op::Div: return complex_value(t, n.kids[0], point, value_of) / complex_value(t, n.kids[1], point, value_of);
    case Op::Pow: {
      C b = complex_value(t, n.kids[0], point, value_of), e = complex_value(t, n.kids[1], point, value_of);
      if (e.imag() == 0 && e.real() == std::round(e.real()) && std::abs(e.real()) < 64 && b.imag() == 0) {
        return C(std::pow(b.real(), e.real()), 0);  // exact-ish for integer powers of reals
      }
      if (b.imag() == 0 && b.real() > 0 && e.imag() == 0) return C(std::pow(b.real(), e.real()), 0);
      return std::pow(b, e);
    }
    case Op::Root: {
      C x = complex_value(t, n.kids[0], point, value_of), k = complex_value(t, n.kids[1], point, value_of);
      if (k == C(2, 0)) return std::sqrt(x);
      // Odd roots of negative reals are the real root (\sqrt[3]{-8} = -2), as in school algebra.
      if (x.imag() == 0 && x.real() < 0 && k.imag() == 0 && std::fmod(k.real(), 2.0) == 1.0)
        return C(-std::pow(-x.real(), 1.0 / k.real()), 0);
      return std::pow(x, 1.0 / k);
    }
    case Op::Func: {
      C x = complex_value(t, n.kids[0], point, value_of);
      if (n.kids.size() == 2) {
        C b = complex_value(t, n.kids[1], point, value_of);
        return std::log(x) / std::log(b);
      }
      return apply_function(n.text, x);
    }
    case Op::Fact: {
      C x = complex_value(t, n.kids[0], point, value_of);
      return C(std::tgamma(x.real() + 1.0), 0);
    }
    case Op::Abs: return C(std::abs(complex_value(t, n.kids[0], point, value_of)), 0);
    case Op::Binom: {
      double a = complex_value(t, n.kids[0], point, value_of).real();
      double b = complex_value(t, n.kids[1], point, value_of).real();
      return C(std::exp(std::lgamma(a + 1) - std::lgamma(b + 1) - std::lgamma(a - b + 1)), 0);
    }
  }
  return C(std::nan(""), 0);
}

void collect(const ExprTree& t, std::int32_t i, std::set<std::string>& out) {
  const Node& n = t.nodes[i];
  if (n.op == Op::kSym) out.insert(n.text);
  for (auto k : n.kids) collect(t, k, out);
}

}  // namespace

ExactValue eval_exact(const ExprTree& t) { return exact(t, t.root); }
ExactValue eval_exact_at(const ExprTree& t, std::int32_t node) { return exact(t, node); }

std::set<std::string> free_symbols(const ExprTree& t) {
  std::set<std::string> out;
  collect(t, t.root, out);
  return out;
}

bool contains_op(const ExprTree& t, Op op) {
  for (const Node& n : t.nodes)
    if (n.op == op) return true;
  return false;
}

std::complex<double> eval_complex(const ExprTree& t, int point, SymbolValues value_of) {
  return complex_value(t, t.root, point, value_of);
}

std::complex<double> random_point_value(const std::string& name, int point) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a of the name, mixed with the point index
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ull;
  h ^= static_cast<std::uint64_t>(point + 1) * 0x9E3779B97F4A7C15ull;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  double u = static_cast<double>(h >> 11) / static_cast<double>(1ull << 53);
  return {0.35 + 2.5 * u, 0.0};
}

}  // namespace trafl::grading
