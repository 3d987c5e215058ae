#pragma once
// Reward functions for RL post-training, torch-free and pluggable: anything that maps (problem,
// completions) to one number per completion.
//
// The task reward (make_task_reward) grades with the task's own grader, so a reward means exactly
// what the evaluation's `correct` means:
//   math tasks  1 if Task::grade says correct in the chosen mode (default: the task's), else 0;
//   code tasks  "fraction": tests passed / total tests
//               (with task_options.run_all_tests, which TrainConfig sets for "fraction": every test
//               runs; without it the sandbox stops at the first failure); "all": 1 iff every test
//               passed. Completions are graded concurrently (SandboxedGrading::grading_threads()
//               calls in flight, each through the shared sandbox pool).
//   format      optional: + weight · [an answer could be extracted (math) / a fenced code block is
//               present (code)] — off by default (TraFL's reward is assumed binary correctness).
#include <memory>
#include <string>
#include <vector>

#include "benchmarks/task.hpp"

namespace trafl::training {

class RewardFunction {
 public:
  virtual ~RewardFunction() = default;
  virtual std::string describe() const = 0;
  // One reward per completion (same order).
  virtual std::vector<double> score(const Problem& problem, const std::vector<std::string>& completions) = 0;
};

struct RewardOptions {
  std::string mode;           // grading mode; empty = the task's default
  bool code_fraction = true;  // code: fraction of tests (true) or all-pass (false)
  double format_weight = 0.0;
  TaskOptions task_options;  // how the task is built (prompt style; run_all_tests for a fair fraction)
};

// UsageError for an unknown task or a mode the task does not have.
std::unique_ptr<RewardFunction> make_task_reward(const std::string& task, const RewardOptions& options);

// The reward registry (rewards_registry.cpp): a name -> a reward for a task. "task" is the one
// above; the others are the baselines' own sums of terms (rewards_d1.hpp, rewards_code.hpp):
//   task       the task's grader (binary; code: fraction or all tests) [+ format weight]
//   d1-gsm8k   d1/wd1 GSM8K: xmlcount + soft + strict format + integer + 2.0 x exact match
//   d1-math    d1/wd1 MATH: 2.0 x is_equiv of the last \boxed{} (grader mode hendrycks) + 0.5 x boxed in <answer>
//   espo-code  ESPO code: format (fenced python block, whole completion) + fraction of tests passed
// UsageError for an unknown name, or a reward the task cannot give (a code reward for a math task).
std::vector<std::string> reward_names();
std::string reward_help();  // one line per reward, for `train --help`
std::unique_ptr<RewardFunction> make_reward(const std::string& name, const std::string& task,
                                            const RewardOptions& options);

}  // namespace trafl::training
