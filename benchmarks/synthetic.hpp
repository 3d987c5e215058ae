#pragma once
// `synthetic`: the generated math problem set written by `trafl-eval make-fixtures`
// (src/fixtures/synthetic_math.hpp). It is in MATH-500 shape and loads through the same code path
// as `math500` (gold = `answer`, id = `unique_id`, metadata level/subject, boxed prompt); only the
// name and description differ, so that runs on generated data are never mixed with real MATH-500.
#include "benchmarks/math.hpp"

namespace trafl {

class SyntheticMathTask : public MathTask {
 public:
  SyntheticMathTask();
};

}  // namespace trafl
