// Mode dispatch for math grading; the modes themselves live in grade_*.cpp.
#include "grading/grade.hpp"

#include <string>

#include "core/error.hpp"
#include "grading/extract.hpp"
#include "grading/grade_modes.hpp"
#include "grading/text_util.hpp"

namespace trafl {

std::vector<std::string> math_modes() { return {"symbolic", "hendrycks", "minerva", "gsm8k-strict", "gsm8k-flexible"}; }

bool is_math_mode(std::string_view mode) {
  for (const auto& m : math_modes())
    if (m == mode) return true;
  return false;
}

namespace {

// Completions can hold any bytes; grades are stored as JSON, which must be valid UTF-8.
void sanitize(nlohmann::json& j) {
  if (j.is_string()) {
    j = grading::valid_utf8(j.get_ref<const std::string&>());
  } else if (j.is_structured()) {
    for (auto& v : j) sanitize(v);
  }
}

Grade dispatch(std::string_view completion, std::string_view gold, std::string_view mode) {
  if (mode == "gsm8k-strict") return grading::grade_gsm8k(completion, gold, true);
  if (mode == "gsm8k-flexible") return grading::grade_gsm8k(completion, gold, false);
  if (mode == "hendrycks") return grading::grade_hendrycks(completion, gold);
  if (mode == "minerva") return grading::grade_minerva(completion, gold);
  return grading::grade_symbolic(completion, gold);
}

}  // namespace

Grade grade_math(std::string_view completion, std::string_view gold, std::string_view mode) {
  if (!is_math_mode(mode)) {
    std::string list;
    for (const auto& m : math_modes()) list += (list.empty() ? "" : ", ") + m;
    throw UsageError("unknown math grading mode '" + std::string(mode) + "' (valid modes: " + list + ")");
  }
  try {
    Grade g = dispatch(completion, gold, mode);
    g.extracted = grading::valid_utf8(g.extracted);
    sanitize(g.details);
    return g;
  } catch (const std::exception& e) {
    // Never reached on purpose (every step is bounded and non-throwing); if a library throws
    // anyway (e.g. bad_alloc), the completion is graded wrong rather than aborting a run.
    Grade g;
    g.verdict = verdict::kWrong;
    g.mode = std::string(mode);
    g.details = {{"error", e.what()},
                 {"path", "internal_error"},
                 {"reason", std::string("internal error while grading: ") + e.what()}};
    return g;
  }
}

}  // namespace trafl

namespace trafl::grading {

Grade start_grade(std::string_view mode, const Extraction& e) {
  Grade g;
  g.mode = std::string(mode);
  g.extracted = e.answer.value_or("");
  g.details["extractor"] = e.extractor;
  if (e.truncated) g.details["truncated_run_on"] = true;
  if (!e.answer) {
    g.verdict = verdict::kNoAnswer;
    g.correct = false;
    g.details["reason"] = std::string("no answer: ") + e.missing;
  }
  return g;
}

void finish_grade(Grade& g, bool correct) {
  g.correct = correct;
  g.verdict = correct ? verdict::kCorrect : verdict::kWrong;
}

}  // namespace trafl::grading
