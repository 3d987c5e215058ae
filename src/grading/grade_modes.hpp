#pragma once
// One grading function per mode; grade.cpp dispatches on the mode name. Each may assume the
// mode is valid and must not throw (grade.cpp still catches, as a last line of defence).
#include <string_view>

#include "grading/grade.hpp"

namespace trafl::grading {

Grade grade_gsm8k(std::string_view completion, std::string_view gold, bool strict);
Grade grade_symbolic(std::string_view completion, std::string_view gold);
Grade grade_hendrycks(std::string_view completion, std::string_view gold);
Grade grade_minerva(std::string_view completion, std::string_view gold);

// Shared: a Grade with the extraction recorded (no_answer, with details.reason saying what was
// looked for, when nothing was extracted). A mode that grades wrong sets details.reason too.
Grade start_grade(std::string_view mode, const struct Extraction& e);
void finish_grade(Grade& g, bool correct);

}  // namespace trafl::grading
