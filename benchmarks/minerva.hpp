#pragma once
// Minerva "OCW Courses" set (272 MIT OpenCourseWare problems; QwenLM/Qwen2.5-Math
// evaluation/data/minerva_math/test.jsonl): `problem`, `solution` (answer in \boxed{}), `type`
// (the course), `idx`.
//
//   id        `idx` (the 0-based record index when a file has no `idx`)
//   gold      content of the last \boxed{}/\fbox{} of `solution` (e.g. "1.6" for "\boxed{1.6} \mathrm{~cm}")
//   metadata  course (= `type`)
//   prompt    problem + "Please reason step by step, and put your final answer within \boxed{}." (as for math)
//   modes     symbolic (default; boxed extraction, units/numeric tolerance), hendrycks, minerva
//
// Not to be confused with lm-eval's `minerva_math`, which is MATH with the Minerva prompt and grading:
// that is the task `minerva_math` (benchmarks/math.hpp).
#include "benchmarks/task.hpp"

namespace trafl {

class MinervaOcwTask : public Task {
 public:
  std::string name() const override { return "minerva"; }
  std::string description() const override;
  std::string default_mode() const override { return "symbolic"; }
  std::vector<std::string> modes() const override { return {"symbolic", "hendrycks", "minerva"}; }
  std::vector<Problem> load(const std::string& path) const override;
  std::string prompt_for(std::string_view question) const override;
};

}  // namespace trafl
