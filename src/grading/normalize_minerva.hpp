#pragma once
// lm-eval's minerva_math normalize_final_answer ("copied character for character from appendix D
// of Lewkowycz et al. (2022)"), ported step by step: keep text after the last '=', the
// SUBSTITUTIONS and REMOVED_EXPRESSIONS lists in order, the five unwrapping regexes, the
// \fracab / \sqrta shorthand fixes, '$' removal and thousands commas for all-digit answers.
// Python's '.' does not match '\n', so the regexes use [^\n] explicitly.
#include <string>
#include <string_view>

namespace trafl::grading {

std::string minerva_normalize_final_answer(std::string_view final_answer);

}  // namespace trafl::grading
