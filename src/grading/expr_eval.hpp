#pragma once
// Evaluating an ExprTree without GiNaC: exactly (rationals) where the tree is rational, and in
// complex double precision at given symbol values otherwise. Both are thread-safe and fast.
#include <complex>
#include <optional>
#include <set>
#include <string>

#include "grading/expr.hpp"
#include "grading/rational.hpp"

namespace trafl::grading {

enum class ExactStatus { kExact, kNotRational, kOverflow };
struct ExactValue {
  ExactStatus status = ExactStatus::kNotRational;
  Rational value;
};

// Exact value when the tree only uses rational operations (and perfect-square roots);
// Overflow when it is rational but does not fit in 128 bits.
ExactValue eval_exact(const ExprTree& t);
// The same for the subtree rooted at `node` (an exponent, a root's index).
ExactValue eval_exact_at(const ExprTree& t, std::int32_t node);

std::set<std::string> free_symbols(const ExprTree& t);
bool contains_op(const ExprTree& t, Op op);

// Value with every symbol set by `value_of(name)`. May be inf/nan (division by zero, overflow).
using SymbolValues = std::complex<double> (*)(const std::string& name, int point);
std::complex<double> eval_complex(const ExprTree& t, int point, SymbolValues value_of);

// A deterministic pseudo-random value in [0.35, 2.85) per (symbol name, point): different names get
// different values (so 2k vs 2n differ), and grades stay a pure function of their inputs.
std::complex<double> random_point_value(const std::string& name, int point);

}  // namespace trafl::grading
