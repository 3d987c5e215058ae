#include "benchmarks/synthetic.hpp"

namespace trafl {

namespace {
MathTask::Config synthetic_config() {
  MathTask::Config c = MathTask::math500();
  c.name = "synthetic";
  c.description =
      "Generated math problems from `trafl-eval make-fixtures` (MATH-500 shape, read by the math500 loader). "
      "For exercising the pipeline only; not a benchmark";
  return c;
}
}  // namespace

SyntheticMathTask::SyntheticMathTask() : MathTask(synthetic_config()) {}

}  // namespace trafl
