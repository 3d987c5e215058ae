#pragma once
// MBPP: mbpp.jsonl (974; text, code, task_id, test_setup_code, test_list, challenge_test_list) and
// sanitized-mbpp.json (427, a JSON array; prompt, code, task_id, test_imports, test_list). The shape
// is recognised per record.
//   id        task_id
//   prompt    "You are an expert Python programmer, and here is your task: {text} Your code should pass
//             these tests:\n\n{test_list, one per line}\n" (the MBPP paper's prompt, zero-shot)
//   gold      JSON {"tests": test_list, "setup": test_setup_code, "imports": test_imports}
//   reference code
//   metadata  split (prompt 1-10, test 11-510, validation 511-600, train 601-974: the upstream README),
//             source (mbpp|sanitized)
//   modes     asserts
// Program = test_imports + code (the last fenced block of the completion, else the whole completion)
// + test_setup_code; then each assert of test_list in order (challenge_test_list is not used), stop
// at the first failure; 3 s per assert.
#include "benchmarks/task.hpp"
#include "codegrade/code_task.hpp"
#include "codegrade/harness.hpp"

namespace trafl {

class MbppTask : public Task, public codegrade::SandboxedGrading {
 public:
  MbppTask() { limits_.test_timeout_s = 3.0; }
  explicit MbppTask(codegrade::HarnessLimits limits) : limits_(limits) {}
  std::string name() const override { return "mbpp"; }
  std::string description() const override;
  std::string default_mode() const override { return "asserts"; }
  std::vector<std::string> modes() const override { return {"asserts"}; }
  std::vector<Problem> load(const std::string& path) const override;
  Grade grade(const Problem& problem, std::string_view completion, std::string_view mode) const override;
  // The assert program for an (already extracted) candidate.
  static codegrade::AssertProgram program(const Problem& problem, std::string code);

 private:
  codegrade::HarnessLimits limits_;
};

std::string mbpp_code_from_completion(std::string_view completion);

}  // namespace trafl
