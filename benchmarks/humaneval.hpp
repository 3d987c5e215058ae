#pragma once
// HumanEval (openai/human-eval data/HumanEval.jsonl.gz, read through zlib; plain .jsonl works too).
//   id        task_id ("HumanEval/0")
//   prompt    prompt (a function signature + docstring; the completion continues it)
//   gold      test (defines check(candidate))
//   reference canonical_solution
//   metadata  entry_point
//   modes     asserts
// Program = prompt + completion + "\n" + test + "\ncheck(entry_point)" (human-eval's execution.py).
// If the completion holds a fenced code block that defines `def entry_point(`, that block replaces
// the prompt's function: program = the prompt's text before `def entry_point` (imports, helpers)
// + the block. Timeout 3 s (human-eval's default), one test, run in the sandbox.
#include "benchmarks/task.hpp"
#include "codegrade/code_task.hpp"
#include "codegrade/harness.hpp"

namespace trafl {

// The candidate program for a completion (see above).
std::string humaneval_program(const Problem& problem, std::string_view completion, std::string* how = nullptr);

class HumanEvalTask : public Task, public codegrade::SandboxedGrading {
 public:
  HumanEvalTask() { limits_.test_timeout_s = 3.0; }
  explicit HumanEvalTask(codegrade::HarnessLimits limits) : limits_(limits) {}
  std::string name() const override { return "humaneval"; }
  std::string description() const override;
  std::string default_mode() const override { return "asserts"; }
  std::vector<std::string> modes() const override { return {"asserts"}; }
  std::vector<Problem> load(const std::string& path) const override;
  Grade grade(const Problem& problem, std::string_view completion, std::string_view mode) const override;

 private:
  codegrade::HarnessLimits limits_;
};

}  // namespace trafl
