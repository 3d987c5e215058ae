// `trafl-eval tasks`: the registered benchmarks, their grading modes and defaults.
#include <fmt/format.h>

#include "benchmarks/task.hpp"
#include "cli/commands.hpp"

namespace trafl::cli {

void add_tasks_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("tasks", "List the registered benchmarks and their grading modes");
  cmd->callback([] {
    fmt::print("{:<14} {:<16} {:<44} {}\n", "task", "default mode", "modes", "description");
    for (const auto& name : task_names()) {
      auto task = make_task(name);
      fmt::print("{:<14} {:<16} {:<44} {}\n", name, task->default_mode(),
                 fmt::format("{}", fmt::join(task->modes(), ",")), task->description());
    }
  });
}

}  // namespace trafl::cli
