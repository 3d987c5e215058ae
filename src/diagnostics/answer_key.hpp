#pragma once
// The identity of a sample's final answer, for counting distinct answers.
//
//   math: the grade's extracted answer with whitespace, `$` and LaTeX spacing/sizing commands
//         (\, \; \: \! \  \left \right \displaystyle) removed — "\frac{1}{2}" and "\frac {1}{2}" are one
//         answer. Deliberately not a semantic normalisation: two correct answers are always equivalent
//         to the gold, so distinct *correct* math answers count written forms, while distinct answers
//         overall count the candidate answers a model explores.
//   code: the extracted program with Python comments (`#` to end of line, outside string literals)
//         removed, trailing whitespace trimmed, runs of blanks inside a line collapsed to one space
//         and blank lines dropped — programs that differ only in comments or spacing are one program.
// An empty key means "no answer" (nothing extracted): such samples are not counted as answers.
#include <string>
#include <string_view>

namespace trafl::diagnostics {

enum class AnswerKind { kMath, kCode };

std::string math_answer_key(std::string_view extracted);
std::string code_answer_key(std::string_view program);
inline std::string answer_key(AnswerKind kind, std::string_view extracted) {
  return kind == AnswerKind::kMath ? math_answer_key(extracted) : code_answer_key(extracted);
}

}  // namespace trafl::diagnostics
