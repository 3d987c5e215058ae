#pragma once
// A benchmark behind one interface: load a file into problems, build prompts, grade completions.
// Registering a new benchmark is one line in benchmarks/registry.cpp.
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "grading/grade.hpp"

namespace trafl {

struct Problem {
  std::string id;                             // stable: unique_id / idx / task_id / 0-based line index
  std::string question;                       // the problem statement as published
  std::string prompt;                         // text given to a model (the task's default prompt style)
  std::string gold;                           // gold answer, un-normalised (e.g. "2125", "\frac{1}{2}")
  std::string reference;                      // the file's worked solution, if any
  std::map<std::string, std::string> metadata;  // split keys: level, subject, course, difficulty, ...
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
};

std::unique_ptr<Task> make_task(std::string_view name);  // UsageError listing the known names
std::vector<std::string> task_names();

}  // namespace trafl
