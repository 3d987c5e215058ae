#pragma once
// The expression tree the LaTeX parser produces. Our own tree (not GiNaC's) so that parsing,
// exact-rational and floating evaluation run without GiNaC's global, non-thread-safe state;
// only the rare undecided pair is handed to GiNaC (under a lock, see ginac_bridge.hpp).
#include <cstdint>
#include <string>
#include <vector>

namespace trafl::grading {

enum class Op : std::uint8_t {
  kNum,  // text = decimal literal ("12", "0.5", "4.5e33")
  kSym,  // text = symbol name ("x", "theta", "x_1", "\dot{x}")
  Pi,
  E,      // Euler's number (the letter e)
  I,      // imaginary unit (the letter i)
  Inf,    // \infty
  Add,    // n-ary
  Mul,    // n-ary
  Neg,    // 1 kid
  Div,    // 2 kids
  Pow,    // 2 kids: base, exponent
  Root,   // 2 kids: radicand, index (\sqrt[n]{x}; \sqrt{x} has index 2)
  Func,   // text = function name, 1 kid (log with a base: 2 kids, base second)
  Fact,   // 1 kid
  Abs,    // 1 kid
  Binom,  // 2 kids
};

struct Node {
  Op op;
  std::string text;
  std::vector<std::int32_t> kids;
  bool int_literal = false;   // a plain integer literal as written (for mixed numbers 1\frac{1}{2})
  bool frac_of_ints = false;  // \frac{int}{int} as written
};

struct ExprTree {
  std::vector<Node> nodes;
  std::int32_t root = -1;
  bool has_decimal = false;  // some literal had a decimal point or exponent: the writer rounded
};

}  // namespace trafl::grading
