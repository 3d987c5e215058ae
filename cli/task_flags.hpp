#pragma once
// Task-selection and code-running flags shared by the commands that build a task (grade, sample).
// Defaults mean "the task's own", so math tasks are unaffected unless a flag is given (and then
// make_task refuses it by name).
#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "benchmarks/task.hpp"
#include "codegrade/harness.hpp"

namespace trafl::cli {

struct TaskFlags {
  TaskOptions task;                    // selection and code-running options
  codegrade::SandboxSettings sandbox;  // code tasks only
};

void add_task_flags(CLI::App* cmd, TaskFlags& flags);

// make_task(name, flags.task), refusing sandbox flags for a task that runs no code, and configuring
// the shared sandbox with them otherwise.
std::shared_ptr<const Task> make_task_from_flags(const std::string& name, const TaskFlags& flags);

}  // namespace trafl::cli
