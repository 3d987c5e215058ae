#pragma once
// Which problem a samples line belongs to, checked against what the line itself says.
//
// Other harnesses log more than an id beside each generation: lm-eval logs the whole `doc` and its
// `target`, LiveCodeBench repeats `question_content`, our own export writes `question` and `gold`.
// Their ids are not always ours: lm-eval's doc_id counts documents within ITS subtask (doc_id 0
// of minerva_math_prealgebra is the first prealgebra problem, not row 0 of the MATH test file),
// EvalPlus writes "Mbpp/2" for MBPP task 2. So a line is resolved by the strongest evidence it
// carries, and whatever else it carries must agree with the problem found, or the file is refused
// naming the line: a samples file is never graded against the wrong problem.
//   1. a stable id: problem_id, task_id, question_id, or one inside lm-eval's doc (task_id,
//      question_id, unique_id, problem_id); "Mbpp/N" is read as N;
//   2. else (an lm-eval line: doc_id is positional) the doc's question text (problem, question,
//      question_content, prompt, text), looked up among the data file's problems (whitespace-insensitive);
//   3. else doc_id.
// Then: a question text that differs from the resolved problem's is refused, and so is a gold
// (lm-eval target, our gold) that does not agree with its gold, for tasks whose gold is an answer.
// Code tasks' golds are test programs that each harness lays out its own way; there the id and the
// question text pin the problem.
#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "benchmarks/task.hpp"

namespace trafl {

struct SampleClaims {
  std::string id;  // as written in the line's id field (lm-eval: doc_id, positional)
  const char* id_field = "";
  std::optional<std::string> stable_id;  // an id that names one problem wherever it appears
  const char* stable_id_field = "";
  std::optional<std::string> question;
  const char* question_field = "";
  std::optional<std::string> gold;
  const char* gold_field = "";
};

struct Resolution {
  std::size_t position = 0;  // index into the catalog's problems
  bool by_question = false;  // found by the question text, and the line's id named another problem
};

class ProblemCatalog {
 public:
  // `golds_are_answers`: compare claimed golds with Problem::gold (math tasks), or not (code tasks).
  ProblemCatalog(const std::vector<Problem>& problems, bool golds_are_answers);

  // Throws InputError(path, line, field) when the line names no problem of the data file, or
  // when what it carries disagrees with the problem it resolves to.
  Resolution resolve(const std::string& path, std::size_t line, const SampleClaims& claims) const;

  const std::vector<Problem>& problems() const { return *problems_; }
  const std::unordered_map<std::string, std::size_t>& ids() const { return by_id_; }

 private:
  std::optional<std::size_t> find_id(const std::string& id) const;
  const std::vector<Problem>* problems_;
  bool golds_are_answers_;
  std::unordered_map<std::string, std::size_t> by_id_;
  std::unordered_map<std::string, std::vector<std::size_t>> by_question_;  // whitespace-collapsed text
};

// Runs of whitespace as one space, ends trimmed: the same question with other line breaks matches.
std::string collapse_whitespace(std::string_view text);

// Whether `claimed` (a harness's logged target) names the same answer as the problem's gold:
// equal after trimming; a GSM8K-style "... #### 18" whose final number equals it; or equal after
// Minerva normalisation to the gold or to the last \boxed{} of the reference solution (lm-eval's
// minerva_math target is the normalised box of the solution; MATH-500's `answer` field is written
// out separately).
bool gold_agrees(const Problem& problem, std::string_view claimed);

}  // namespace trafl
