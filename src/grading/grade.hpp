#pragma once
// The grade of one completion: a pure function of (task, problem, completion, mode).
// Re-grading with another mode adds a grade; it never rewrites one.
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace trafl {

// Verdicts are stored as text. Math uses the first three; code grading (sandbox) adds its own
// (passed, wrong_answer, timeout, ...) — `correct` is what pass@k counts.
namespace verdict {
inline constexpr const char* kCorrect = "correct";
inline constexpr const char* kWrong = "wrong";
inline constexpr const char* kNoAnswer = "no_answer";  // nothing could be extracted; counts as incorrect
}  // namespace verdict

struct Grade {
  std::string verdict;     // one of verdict::*
  bool correct = false;    // counted as a success by pass@k
  std::string extracted;   // the answer as extracted from the completion (un-normalised)
  std::string mode;        // grading mode that produced this grade
  nlohmann::json details;  // why: extractor used, normalised forms, comparison path, timings
};

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
