#include "grading/ginac_bridge.hpp"

#include <ginac/ginac.h>

#include <map>
#include <mutex>

#include "grading/expr_eval.hpp"
#include "grading/rational.hpp"
#include "grading/text_util.hpp"

namespace trafl::grading {

namespace {

std::timed_mutex& ginac_mutex() {
  static std::timed_mutex m;
  return m;
}

struct Refused {
  std::string why;
};

// Bounds checked on our own tree before any GiNaC object exists.
void check_bounds(const ExprTree& t, Budget& budget) {
  const Limits& L = budget.limits();
  if (t.nodes.size() > L.max_ginac_nodes) throw Refused{"expression node count"};
  for (const Node& n : t.nodes) {
    if (n.op == Op::Inf) throw Refused{"infinity"};
    if (n.op == Op::kNum) {
      // 8E88888888 is 10 to that power, exactly (literal below): one GMP product that took 36 CPU-s
      // under ASan and cannot be interrupted by the budget (fuzz regressions equivalence/huge_decimal_*).
      // Its decimal exponent is held to the bound of an integer exponent.
      const auto e = n.text.find_first_of("eE");
      if (e != std::string::npos) {
        std::size_t d = e + 1;
        if (d < n.text.size() && (n.text[d] == '+' || n.text[d] == '-')) ++d;
        long scale = 0;
        for (; d < n.text.size() && is_digit(n.text[d]); ++d) {
          scale = scale * 10 + (n.text[d] - '0');
          if (scale > L.max_ginac_exponent) throw Refused{"decimal exponent too large"};
        }
      }
      if (n.text.size() > static_cast<std::size_t>(L.max_ginac_exponent)) throw Refused{"number too long"};
    }
    if (n.op == Op::Pow || n.op == Op::Fact || n.op == Op::Binom) {
      ExprTree sub;  // evaluate the exponent / factorial argument exactly on a view of the tree
      sub.nodes = t.nodes;
      sub.root = n.op == Op::Pow ? n.kids[1] : n.kids[0];
      ExactValue v = eval_exact(sub);
      if (v.status == ExactStatus::kOverflow) throw Refused{"exponent or factorial too large"};
      if (v.status != ExactStatus::kExact) {
        if (n.op != Op::Pow) throw Refused{"symbolic factorial/binomial"};
        continue;  // symbolic exponent: pow(2, x) stays unevaluated, no blow-up
      }
      i128 mag = v.value.num < 0 ? -v.value.num : v.value.num;
      if (n.op == Op::Pow) {
        ExprTree base;
        base.nodes = t.nodes;
        base.root = n.kids[0];
        bool numeric_base = free_symbols(base).empty();
        long limit = numeric_base ? L.max_ginac_exponent : L.max_ginac_symbolic_exponent;
        if (mag > limit) throw Refused{"exponent too large"};
      } else if (mag > L.max_factorial) {
        throw Refused{"factorial too large"};
      }
    }
  }
}

// b^e. GiNaC::pow heap-allocates the power and then evaluates it; when that evaluation throws (0^i:
// domain_error, 0^-1 or 0^(-1/2): pole_error) the new object is never freed (LeakSanitizer, fuzz
// regression fuzz/regressions/equivalence/zero_to_the_i). A power built here on the stack is evaluated
// by the conversion to ex, and a throw unwinds it; the throw then reads as any undefined value does
// (1/0): ginac_equal's catch, Decision::kUnknown.
// Zero to a symbolic power (0^(-2/x)) stays unevaluated, and GiNaC's power::expand later throws on it
// from inside, leaking what it had allocated (fuzz regression equivalence/zero_to_a_symbolic_power);
// it is refused here instead: 0^e is only a number for a positive numeric e.
GiNaC::ex power_of(const GiNaC::ex& base, const GiNaC::ex& exponent) {
  if (base.is_zero() && !(GiNaC::is_a<GiNaC::numeric>(exponent) && exponent.info(GiNaC::info_flags::positive)))
    throw Refused{"zero to a power that is not a positive number"};
  return GiNaC::power(base, exponent);
}

GiNaC::ex literal(const std::string& text) {
  // Exact decimal: digits / 10^k · 10^e, built from integer strings (GiNaC's numeric(const char*)
  // would read "1.5" as a float).
  std::string digits;
  long scale = 0;
  bool dot = false;
  std::size_t i = 0;
  for (; i < text.size() && (is_digit(text[i]) || text[i] == '.'); ++i) {
    if (text[i] == '.') {
      dot = true;
      continue;
    }
    digits.push_back(text[i]);
    if (dot) --scale;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) scale += std::stol(text.substr(i + 1));
  std::size_t nz = digits.find_first_not_of('0');
  digits = nz == std::string::npos ? "0" : digits.substr(nz);
  GiNaC::numeric v(digits.c_str());
  return v * power_of(GiNaC::numeric(10), GiNaC::numeric(scale));
}

class Converter {
 public:
  explicit Converter(std::map<std::string, GiNaC::realsymbol>& syms) : syms_(syms) {}
  GiNaC::ex run(const ExprTree& t) { return conv(t, t.root); }

 private:
  std::map<std::string, GiNaC::realsymbol>& syms_;

  GiNaC::ex conv(const ExprTree& t, std::int32_t i) {
    const Node& n = t.nodes[i];
    switch (n.op) {
      case Op::kNum: return literal(n.text);
      case Op::kSym: {
        auto it = syms_.find(n.text);
        if (it == syms_.end()) it = syms_.emplace(n.text, GiNaC::realsymbol(n.text)).first;
        return it->second;
      }
      case Op::Pi: return GiNaC::Pi;
      case Op::E: return GiNaC::exp(GiNaC::ex(1));
      case Op::I: return GiNaC::I;
      case Op::Inf: throw Refused{"infinity"};
      case Op::Add: {
        GiNaC::ex acc = 0;
        for (auto k : n.kids) acc += conv(t, k);
        return acc;
      }
      case Op::Mul: {
        GiNaC::ex acc = 1;
        for (auto k : n.kids) acc *= conv(t, k);
        return acc;
      }
      case Op::Neg: return -conv(t, n.kids[0]);
      case Op::Div: return conv(t, n.kids[0]) / conv(t, n.kids[1]);
      case Op::Pow: return power_of(conv(t, n.kids[0]), conv(t, n.kids[1]));
      case Op::Root: return power_of(conv(t, n.kids[0]), GiNaC::ex(1) / conv(t, n.kids[1]));
      case Op::Fact: return GiNaC::factorial(conv(t, n.kids[0]));
      case Op::Abs: return GiNaC::abs(conv(t, n.kids[0]));
      case Op::Binom: return GiNaC::binomial(conv(t, n.kids[0]), conv(t, n.kids[1]));
      case Op::Func: {
        GiNaC::ex x = conv(t, n.kids[0]);
        if (n.kids.size() == 2) return GiNaC::log(x) / GiNaC::log(conv(t, n.kids[1]));
        const std::string& f = n.text;
        if (f == "sin") return GiNaC::sin(x);
        if (f == "cos") return GiNaC::cos(x);
        if (f == "tan") return GiNaC::tan(x);
        if (f == "cot") return 1 / GiNaC::tan(x);
        if (f == "sec") return 1 / GiNaC::cos(x);
        if (f == "csc") return 1 / GiNaC::sin(x);
        if (f == "arcsin") return GiNaC::asin(x);
        if (f == "arccos") return GiNaC::acos(x);
        if (f == "arctan") return GiNaC::atan(x);
        if (f == "sinh") return GiNaC::sinh(x);
        if (f == "cosh") return GiNaC::cosh(x);
        if (f == "tanh") return GiNaC::tanh(x);
        if (f == "ln" || f == "log") return GiNaC::log(x);
        if (f == "lg") return GiNaC::log(x) / GiNaC::log(GiNaC::ex(10));
        if (f == "exp") return GiNaC::exp(x);
        throw Refused{"function " + f};
      }
    }
    throw Refused{"node"};
  }
};

}  // namespace

Decision ginac_equal(const ExprTree& a, const ExprTree& b, Budget& budget) {
  if (!budget.ok()) return Decision::kUnknown;
  try {
    check_bounds(a, budget);
    check_bounds(b, budget);
  } catch (const Refused& r) {
    budget.exceed(r.why);
    return Decision::kUnknown;
  }
  std::unique_lock<std::timed_mutex> lock(ginac_mutex(), std::defer_lock);
  if (!lock.try_lock_until(budget.deadline())) {
    budget.exceed("deadline (waiting for the GiNaC lock)");
    return Decision::kUnknown;
  }
  try {
    std::map<std::string, GiNaC::realsymbol> syms;  // destroyed before the lock is released
    Converter conv(syms);
    GiNaC::ex ea = conv.run(a);
    GiNaC::ex eb = conv.run(b);
    GiNaC::ex d = (ea - eb).normal();
    if (d.is_zero()) return Decision::kEqual;
    if (!budget.ok()) return Decision::kUnknown;
    d = d.expand();
    if (d.is_zero()) return Decision::kEqual;
    if (GiNaC::is_a<GiNaC::numeric>(d)) return Decision::kNotEqual;  // exact and non-zero
    if (syms.empty()) {
      // Constants: GiNaC's exact arithmetic settled rationals; for the rest look at the value.
      GiNaC::ex v = GiNaC::evalf(d);
      if (GiNaC::is_a<GiNaC::numeric>(v)) {
        GiNaC::ex scale = GiNaC::evalf(GiNaC::abs(ea) + GiNaC::abs(eb));
        if (GiNaC::is_a<GiNaC::numeric>(scale) &&
            GiNaC::abs(GiNaC::ex_to<GiNaC::numeric>(v)) <=
                GiNaC::ex_to<GiNaC::numeric>(scale) * GiNaC::numeric(1, 1000000000000LL))
          return Decision::kEqual;  // agrees to 12 digits after exact simplification
        return Decision::kNotEqual;
      }
    }
    return Decision::kUnknown;
  } catch (const Refused& r) {
    budget.exceed(r.why);
    return Decision::kUnknown;
  } catch (const std::exception&) {  // GiNaC throws on 1/0, pole_error, ...
    return Decision::kUnknown;
  }
}

}  // namespace trafl::grading
