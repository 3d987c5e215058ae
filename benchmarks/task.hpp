#pragma once
// A benchmark behind one interface: load a file into problems, build prompts, grade completions.
// Registering a new benchmark is one line in benchmarks/registry.cpp.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "grading/grade.hpp"
#include "records/problem.hpp"

namespace trafl {

// Few-shot prompts (--num-fewshot, --fewshot-seed, --fewshot-file, --fewshot-data; benchmarks/fewshot.hpp).
// Nothing given = the task's own zero-shot prompts.
struct FewShotOptions {
  std::int64_t k = -1;     // exemplars per prompt; -1 = not given (0-shot, or every exemplar of `file`)
  std::int64_t seed = -1;  // -1 = not given: lm-eval's default fewshot_random_seed, 1234
  std::string file;        // a fixed exemplar file (JSONL question/answer), used in its order
  std::string data;        // the split exemplars are drawn from (default: train* next to the data file)
  bool given() const { return k >= 0 || seed >= 0 || !file.empty() || !data.empty(); }
};

// Per-run options of a task (the `grade`/`sample` flags). Every default means "the task's own
// default", so make_task(name) and make_task(name, {}) are the same task.
struct TaskOptions {
  // The task's own options (key -> JSON value), read by its registry row the way objective options
  // are (core/option_reader.hpp): a key the task does not read is refused, naming the task and the
  // key, never ignored. livecodebench reads release, since, until, difficulty, platform and
  // prompt_style (task_option_help() lists every task's keys).
  nlohmann::json own = nlohmann::json::object();
  // Running code: one set of limits for every task that runs code (livecodebench, humaneval, mbpp);
  // a task that runs none refuses them.
  double test_timeout_s = 0;   // per test, seconds; 0 = the task's default (LCB 6, HumanEval/MBPP 3)
  bool run_all_tests = false;  // default: stop at the first failing test (LCB semantics)
  std::size_t memory_mb = 0;   // per run; 0 = 1024
  FewShotOptions fewshot;      // math tasks only (a code task refuses them)
  bool runs_code() const;
};

class Task {
 public:
  virtual ~Task() = default;
  virtual std::string name() const = 0;
  virtual std::string description() const = 0;
  virtual std::string default_mode() const = 0;
  virtual std::vector<std::string> modes() const = 0;

  // Reads and validates the whole file before returning anything: a malformed line or a missing
  // field throws InputError naming file, line and field. Problem ids are unique within a file.
  virtual std::vector<Problem> load(const std::string& path) const = 0;

  // Default: math grading of the completion against problem.gold.
  virtual Grade grade(const Problem& problem, std::string_view completion, std::string_view mode) const;

  // What identifies the problem set load(path) returns, for the run database: by default the
  // sha256 of the file; tasks that select problems (a release, a date window) or read a directory
  // fold the selection in, so two different selections never share a run.
  virtual std::string data_identity(const std::string& path) const;

  // The prompt of a question that is not in the data file (a few-shot exemplar's), as load() builds
  // prompts. Default: UsageError (the task cannot take fixed few-shot exemplars).
  virtual std::string prompt_for(std::string_view question) const;

  // What changes the prompts load(path) builds beyond the data file (few-shot settings), for the
  // run's identity; null when the prompts are the task's own.
  virtual nlohmann::json prompt_identity(const std::string& path) const { return nullptr; }

  // The data file a task names itself (a task file's `data`); empty = --data is required.
  virtual std::string default_data() const { return ""; }
};

// `name` is a registry name, or the path of a task file (*.yaml, *.yml: benchmarks/task_file.hpp).
std::unique_ptr<Task> make_task(std::string_view name);  // UsageError listing the known names
std::unique_ptr<Task> make_task(std::string_view name, const TaskOptions& options);
std::vector<std::string> task_names();
// One line per task that reads options of its own: "livecodebench: release, since, ...".
std::string task_option_help();
// True for tasks that run generated code (accept --test-timeout/--all-tests/--memory); UsageError if unknown.
bool task_runs_code(std::string_view name);

}  // namespace trafl
