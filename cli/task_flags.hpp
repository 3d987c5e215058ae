#pragma once
// Task-selection and code-running flags shared by the commands that build a task (grade, sample).
// Defaults mean "the task's own", so math tasks are unaffected unless a flag is given (and then
// make_task refuses it by name).
#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

#include "benchmarks/task.hpp"
#include "codegrade/harness.hpp"

namespace trafl::cli {

struct TaskFlags {
  TaskOptions task;  // code-running limits and few-shot settings (own options are filled from the fields below)
  // livecodebench's own options as flags (shorthands for --task-option key=value).
  std::string release, since, until, prompt_style;
  std::vector<std::string> difficulties, platforms;
  std::vector<std::string> task_options;  // --task-option key=value, any task
  codegrade::SandboxSettings sandbox;     // code tasks only
};

void add_task_flags(CLI::App* cmd, TaskFlags& flags);

// make_task(name, flags.task), refusing sandbox flags for a task that runs no code, and configuring
// the shared sandbox with them otherwise.
std::shared_ptr<const Task> make_task_from_flags(const std::string& name, const TaskFlags& flags);

// --data as given, else the data file the task names itself (a task file's `data`); UsageError when neither.
std::string data_path_for(const Task& task, const std::string& given);

}  // namespace trafl::cli
