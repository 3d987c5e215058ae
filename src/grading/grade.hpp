#pragma once
// Math grading: the modes and the entry point (the Grade record itself is records/grade.hpp).
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "records/grade.hpp"

namespace trafl {

// Math grading modes:
//   "symbolic"        (default for MATH-like tasks) normalisation + numeric + structural + GiNaC
//   "hendrycks"       the original MATH string normaliser's semantics
//   "minerva"         lm-eval's minerva_math: "Final Answer ..." extraction, normalize_final_answer,
//                     symbolic comparison (with a string-equality shortcut, unlike lm-eval)
//   "gsm8k-strict"    `#### N` only, exact number match
//   "gsm8k-flexible"  #### N, \boxed{}, <answer>, "the answer is", else last number; exact number match
std::vector<std::string> math_modes();
bool is_math_mode(std::string_view mode);

// Grades `completion` against `gold` (the task's gold answer, un-normalised) in `mode`.
// Throws UsageError for an unknown mode. Never throws on hostile completion text.
Grade grade_math(std::string_view completion, std::string_view gold, std::string_view mode);

}  // namespace trafl
