#pragma once
// The only file that touches GiNaC. GiNaC is NOT thread-safe: its expressions share
// reference-counted nodes (including global flyweights such as _ex0/_ex1) whose counts are
// updated without atomics, and symbol serial numbers come from a global counter. So every GiNaC
// object is created, used and destroyed while one process-wide std::timed_mutex is held; the lock
// is taken with try_lock_until(budget.deadline()) so a waiting thread gives up at its deadline.
// Calls are kept short by refusing oversized trees/exponents/factorials before building them.
#include "grading/budget.hpp"
#include "grading/expr.hpp"

namespace trafl::grading {

enum class Decision { kEqual, kNotEqual, kUnknown };

// Is a − b exactly zero (normal(), then expand())? Unknown when a bound refuses the pair, the
// lock cannot be had before the deadline, or GiNaC throws (e.g. division by zero). When
// `allow_numeric_not_equal` is set and both sides are constants, a non-zero numeric difference
// (evalf) is reported as NotEqual.
Decision ginac_equal(const ExprTree& a, const ExprTree& b, Budget& budget);

}  // namespace trafl::grading
