// The task registry: one line per benchmark.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "benchmarks/fewshot.hpp"
#include "benchmarks/gsm8k.hpp"
#include "benchmarks/humaneval.hpp"
#include "benchmarks/livecodebench.hpp"
#include "benchmarks/math.hpp"
#include "benchmarks/mbpp.hpp"
#include "benchmarks/minerva.hpp"
#include "benchmarks/synthetic.hpp"
#include "benchmarks/task.hpp"
#include "benchmarks/task_file.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/option_reader.hpp"
#include "sandbox/limits.hpp"

namespace trafl {

Grade Task::grade(const Problem& problem, std::string_view completion, std::string_view mode) const {
  return grade_math(completion, problem.gold, mode);
}

std::string Task::data_identity(const std::string& path) const { return sha256_file(path); }

std::string Task::prompt_for(std::string_view) const {
  throw UsageError(
      fmt::format("task {} has no few-shot prompts (--num-fewshot/--fewshot-file apply to math tasks)", name()));
}

bool TaskOptions::runs_code() const { return test_timeout_s != 0 || run_all_tests || memory_mb != 0; }

namespace {

// The harness limits a code task runs with: the options where given, else the task's defaults.
// Given ones are checked where every limit is (sandbox/limits.hpp): -1 or nan is refused, not
// silently the default.
codegrade::HarnessLimits code_limits(const TaskOptions& o, double default_timeout_s) {
  sandbox::LimitFlags given;
  if (o.test_timeout_s != 0) given.cpu_s = o.test_timeout_s;
  if (o.memory_mb != 0) given.memory_mb = o.memory_mb;
  sandbox::limits_from_flags(given, {"--test-timeout", "--wall", "--memory", "--output-kb"});
  codegrade::HarnessLimits l;
  l.test_timeout_s = o.test_timeout_s > 0 ? o.test_timeout_s : default_timeout_s;
  if (o.memory_mb > 0) l.memory_mb = o.memory_mb;
  l.stop_at_first_failure = !o.run_all_tests;
  return l;
}

// livecodebench's own options: which problems (a release, a contest-date window, difficulties,
// platforms) and how they are prompted.
std::unique_ptr<Task> make_lcb(const TaskOptions& o, OptionReader& own) {
  LiveCodeBenchTask::Options lo;
  lo.release = own.text("release", "");
  lo.since = own.text("since", "");
  lo.until = own.text("until", "");
  lo.difficulties = own.texts("difficulty");
  lo.platforms = own.texts("platform");
  lo.prompt_style = own.text("prompt_style", lo.prompt_style);
  lo.limits = code_limits(o, 6.0);
  return std::make_unique<LiveCodeBenchTask>(lo);
}

template <typename T>
std::unique_ptr<Task> make_plain(const TaskOptions&, OptionReader&) {
  return std::make_unique<T>();
}
template <MathTask::Config (*Variant)()>
std::unique_ptr<Task> make_math(const TaskOptions&, OptionReader&) {
  return std::make_unique<MathTask>(Variant());
}
template <typename T>
std::unique_ptr<Task> make_assert_task(const TaskOptions& o, OptionReader&) {
  return std::make_unique<T>(code_limits(o, 3.0));
}

struct Entry {
  const char* name;
  bool runs_code;           // accepts the code-running limits (--test-timeout, --all-tests, --memory)
  const char* own_options;  // the keys make() reads, for help and errors ("" = none)
  std::unique_ptr<Task> (*make)(const TaskOptions&, OptionReader& own);
};

// The registry: one row per benchmark.
const Entry kTasks[] = {
    {"gsm8k", false, "", make_plain<Gsm8kTask>},
    {"math", false, "", make_math<MathTask::hendrycks>},
    {"math500", false, "", make_math<MathTask::math500>},
    {"minerva_math", false, "", make_math<MathTask::minerva_math>},
    {"minerva", false, "", make_plain<MinervaOcwTask>},
    {"synthetic", false, "", make_plain<SyntheticMathTask>},
    {"livecodebench", true, "release, since, until, difficulty, platform, prompt_style", make_lcb},
    {"humaneval", true, "", make_assert_task<HumanEvalTask>},
    {"mbpp", true, "", make_assert_task<MbppTask>},
};

const Entry& entry(std::string_view name) {
  for (const auto& e : kTasks)
    if (name == e.name) return e;
  throw UsageError(fmt::format("unknown task '{}' (known tasks: {})", name, fmt::join(task_names(), ", ")));
}

}  // namespace

std::unique_ptr<Task> make_task(std::string_view name) { return make_task(name, TaskOptions{}); }

std::unique_ptr<Task> make_task(std::string_view name, const TaskOptions& options) {
  // A task file (YAML) is a math task defined without recompiling; it has no options of its own.
  if (is_task_file(name)) {
    if (options.runs_code())
      throw UsageError(
          fmt::format("task file {} runs no code: --test-timeout/--all-tests/--memory do not apply", name));
    if (!options.own.empty())
      throw UsageError(fmt::format("task file {} has no options of its own (given: {})", name, options.own.dump()));
    return with_fewshot(load_task_file(std::string(name)), options.fewshot);
  }
  const Entry& e = entry(name);
  if (!e.runs_code && options.runs_code())
    throw UsageError(fmt::format("task {} runs no code: --test-timeout/--all-tests/--memory do not apply", name));
  if (e.runs_code && options.fewshot.given())
    throw UsageError(
        fmt::format("task {} runs code: few-shot prompts (--num-fewshot, --fewshot-*) apply to math tasks", name));
  // Options come from flags (--release, --task-option key=value) or a training configuration: a key
  // this task does not read, or a value of the wrong type, is the user's mistake (UsageError).
  std::unique_ptr<Task> task;
  try {
    OptionReader own(fmt::format("task {}", name), options.own);
    task = e.make(options, own);
    own.reject_unknown();
  } catch (const InputError& err) {
    throw UsageError(fmt::format("{} ({})", err.what(),
                                 *e.own_options ? fmt::format("{} reads: {}", name, e.own_options)
                                                : fmt::format("{} has no options of its own", name)));
  }
  return with_fewshot(std::move(task), options.fewshot);
}

bool task_runs_code(std::string_view name) { return is_task_file(name) ? false : entry(name).runs_code; }

std::string task_option_help() {
  std::string out;
  for (const auto& e : kTasks)
    if (*e.own_options) out += fmt::format("{}{}: {}", out.empty() ? "" : "; ", e.name, e.own_options);
  return out;
}

std::vector<std::string> task_names() {
  std::vector<std::string> names;
  for (const auto& e : kTasks) names.emplace_back(e.name);
  return names;
}

}  // namespace trafl
