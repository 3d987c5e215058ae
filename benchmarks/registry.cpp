// STUB (to be replaced by the task registry).
#include "benchmarks/task.hpp"
#include "core/error.hpp"
namespace trafl {
Grade Task::grade(const Problem& problem, std::string_view completion, std::string_view mode) const {
  return grade_math(completion, problem.gold, mode);
}
std::unique_ptr<Task> make_task(std::string_view name) { throw UsageError("unknown task " + std::string(name)); }
std::vector<std::string> task_names() { return {}; }
}  // namespace trafl
