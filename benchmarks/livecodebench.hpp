#pragma once
// LiveCodeBench code_generation_lite (JSONL as published, formats doc §d5). --data is one file, or a
// directory holding the published test.jsonl … test6.jsonl together with a release tag (lcb_release.hpp).
//
//   id        question_id ("abc311_c", "1873_A", LeetCode slug)
//   prompt    style lcb (default): LCB's generic template (lcb_runner/prompts/code_generation.py): "### Question:\n{content}\n\n"
//             + "### Format: …" (starter code fenced, or the stdin instruction with "# YOUR CODE HERE")
//             + "### Answer: (use the provided format with backticks)\n\n";
//             style short: "Question: {content}\nAnswer:\n" (tiny models: make-task's code task is trained on it)
//   gold      JSON {"fn_name", "public", "private"}: the two test fields exactly as in the file (private
//             tests stay compressed until grading); every test is decoded and validated at load
//   reference starter_code
//   metadata  platform, difficulty, contest_date, contest_id, kind (stdin|functional), func_name,
//             tests_public, tests_private, private_encoding (json|zlib-pickle|absent), version (_version)
//   modes     lcb (default: LCB's exact comparison), tolerant (numbers within 1e-6 abs/rel)
// Grading: code = the last fenced block (no block: verdict no_answer); public + private tests in that
// order; per-test timeout 6 s, per-sample budget (t+1)·n+5 s, stop at the first failure (all options).
// Selection (Options, the `grade` flags): release, contest_date window (--since/--until, inclusive,
// compared on the ISO text's prefix), difficulty and platform lists. A selection that keeps nothing is
// an InputError; problems dropped by it are never validated beyond the fields the selection reads.
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "benchmarks/task.hpp"
#include "codegrade/code_task.hpp"
#include "codegrade/harness.hpp"

namespace trafl {

class LiveCodeBenchTask : public Task, public codegrade::SandboxedGrading {
 public:
  struct Options {
    std::string since;                      // inclusive, compared with contest_date's ISO text prefix ("2024-08-01")
    std::string until;                      // inclusive
    std::string release;                    // "" = the file as given (a directory needs a release)
    std::vector<std::string> difficulties;  // empty: all
    std::vector<std::string> platforms;     // empty: all
    std::string prompt_style = "lcb";       // lcb | short
    codegrade::HarnessLimits limits;
  };
  LiveCodeBenchTask();
  explicit LiveCodeBenchTask(Options options);
  std::string name() const override { return "livecodebench"; }
  std::string description() const override;
  std::string default_mode() const override { return "lcb"; }
  std::vector<std::string> modes() const override { return {"lcb", "tolerant"}; }
  std::vector<Problem> load(const std::string& path) const override;
  Grade grade(const Problem& problem, std::string_view completion, std::string_view mode) const override;
  std::string data_identity(const std::string& path) const override;
  const Options& options() const { return options_; }

  // The decoded tests of a loaded problem (public then private). Cached per problem.
  std::shared_ptr<const std::vector<codegrade::TestCase>> tests(const Problem& problem) const;

 private:
  // The files `path` stands for under the options (one file, or the release's files in a directory).
  std::vector<std::string> files(const std::string& path) const;
  void load_file(const std::string& path, bool by_version, std::vector<Problem>& out) const;

  Options options_;
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::shared_ptr<const std::vector<codegrade::TestCase>>> cache_;
};

std::string lcb_prompt(const std::string& question_content, const std::string& starter_code);
std::string lcb_short_prompt(const std::string& question_content);

}  // namespace trafl
