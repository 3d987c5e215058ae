// The task registry: one line per benchmark.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "benchmarks/gsm8k.hpp"
#include "benchmarks/humaneval.hpp"
#include "benchmarks/livecodebench.hpp"
#include "benchmarks/math.hpp"
#include "benchmarks/mbpp.hpp"
#include "benchmarks/minerva.hpp"
#include "benchmarks/synthetic.hpp"
#include "benchmarks/task.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "sandbox/limits.hpp"

namespace trafl {

Grade Task::grade(const Problem& problem, std::string_view completion, std::string_view mode) const {
  return grade_math(completion, problem.gold, mode);
}

std::string Task::data_identity(const std::string& path) const { return sha256_file(path); }

bool TaskOptions::selects_problems() const {
  return !release.empty() || !since.empty() || !until.empty() || !difficulties.empty() || !platforms.empty() ||
         !prompt_style.empty();
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

std::unique_ptr<Task> make_lcb(const TaskOptions& o) {
  LiveCodeBenchTask::Options lo;
  lo.release = o.release;
  lo.since = o.since;
  lo.until = o.until;
  lo.difficulties = o.difficulties;
  lo.platforms = o.platforms;
  if (!o.prompt_style.empty()) lo.prompt_style = o.prompt_style;
  lo.limits = code_limits(o, 6.0);
  return std::make_unique<LiveCodeBenchTask>(lo);
}

// What a task accepts: math tasks take no options; HumanEval/MBPP only the code-running ones.
enum class Accepts { nothing, running_code, everything };

struct Entry {
  const char* name;
  Accepts accepts;
  std::unique_ptr<Task> (*make)(const TaskOptions&);
};

const Entry kTasks[] = {
    {"gsm8k", Accepts::nothing, [](const TaskOptions&) -> std::unique_ptr<Task> { return std::make_unique<Gsm8kTask>(); }},
    {"math", Accepts::nothing,
     [](const TaskOptions&) -> std::unique_ptr<Task> { return std::make_unique<MathTask>(MathTask::hendrycks()); }},
    {"math500", Accepts::nothing,
     [](const TaskOptions&) -> std::unique_ptr<Task> { return std::make_unique<MathTask>(MathTask::math500()); }},
    {"minerva_math", Accepts::nothing,
     [](const TaskOptions&) -> std::unique_ptr<Task> { return std::make_unique<MathTask>(MathTask::minerva_math()); }},
    {"minerva", Accepts::nothing,
     [](const TaskOptions&) -> std::unique_ptr<Task> { return std::make_unique<MinervaOcwTask>(); }},
    {"synthetic", Accepts::nothing,
     [](const TaskOptions&) -> std::unique_ptr<Task> { return std::make_unique<SyntheticMathTask>(); }},
    {"livecodebench", Accepts::everything, make_lcb},
    {"humaneval", Accepts::running_code,
     [](const TaskOptions& o) -> std::unique_ptr<Task> { return std::make_unique<HumanEvalTask>(code_limits(o, 3.0)); }},
    {"mbpp", Accepts::running_code,
     [](const TaskOptions& o) -> std::unique_ptr<Task> { return std::make_unique<MbppTask>(code_limits(o, 3.0)); }},
};

}  // namespace

std::unique_ptr<Task> make_task(std::string_view name) { return make_task(name, TaskOptions{}); }

std::unique_ptr<Task> make_task(std::string_view name, const TaskOptions& options) {
  for (const auto& e : kTasks) {
    if (name != e.name) continue;
    if (e.accepts != Accepts::everything && options.selects_problems())
      throw UsageError(fmt::format("task {} takes no --release/--since/--until/--difficulty/--platform/--prompt-style "
                                   "(only livecodebench selects problems)", name));
    if (e.accepts == Accepts::nothing && options.runs_code())
      throw UsageError(fmt::format("task {} runs no code: --test-timeout/--all-tests/--memory do not apply", name));
    return e.make(options);
  }
  throw UsageError(fmt::format("unknown task '{}' (known tasks: {})", name, fmt::join(task_names(), ", ")));
}

bool task_runs_code(std::string_view name) {
  for (const auto& e : kTasks)
    if (name == e.name) return e.accepts != Accepts::nothing;
  throw UsageError(fmt::format("unknown task '{}' (known tasks: {})", name, fmt::join(task_names(), ", ")));
}

std::vector<std::string> task_names() {
  std::vector<std::string> names;
  for (const auto& e : kTasks) names.emplace_back(e.name);
  return names;
}

}  // namespace trafl
