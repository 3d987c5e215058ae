#pragma once
// The grade of one completion: a pure function of (task, problem, completion, mode).
// Re-grading with another mode adds a grade; it never rewrites one. Its own header so that the
// store need not know the graders.
#include <string>

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

}  // namespace trafl
