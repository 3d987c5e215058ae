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

namespace trafl {

Grade Task::grade(const Problem& problem, std::string_view completion, std::string_view mode) const {
  return grade_math(completion, problem.gold, mode);
}

namespace {

struct Entry {
  const char* name;
  std::unique_ptr<Task> (*make)();
};

template <typename T, typename... Args>
std::unique_ptr<Task> make(Args... args) {
  return std::make_unique<T>(args...);
}

const Entry kTasks[] = {
    {"gsm8k", [] { return make<Gsm8kTask>(); }},
    {"math", [] { return make<MathTask>(MathTask::hendrycks()); }},
    {"math500", [] { return make<MathTask>(MathTask::math500()); }},
    {"minerva_math", [] { return make<MathTask>(MathTask::minerva_math()); }},
    {"minerva", [] { return make<MinervaOcwTask>(); }},
    {"synthetic", [] { return make<SyntheticMathTask>(); }},
    {"livecodebench", [] { return make<LiveCodeBenchTask>(); }},
    {"humaneval", [] { return make<HumanEvalTask>(); }},
    {"mbpp", [] { return make<MbppTask>(); }},
};

}  // namespace

std::unique_ptr<Task> make_task(std::string_view name) {
  for (const auto& e : kTasks) {
    if (name == e.name) return e.make();
  }
  throw UsageError(fmt::format("unknown task '{}' (known tasks: {})", name, fmt::join(task_names(), ", ")));
}

std::vector<std::string> task_names() {
  std::vector<std::string> names;
  for (const auto& e : kTasks) names.emplace_back(e.name);
  return names;
}

}  // namespace trafl
