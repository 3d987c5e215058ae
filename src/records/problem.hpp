#pragma once
// A benchmark problem as every stage passes it on (tasks load it, the store keeps it, grading and
// diagnostics read it). Its own header so that the store need not know the task interface.
#include <map>
#include <string>

namespace trafl {

struct Problem {
  std::string id;                               // stable: unique_id / idx / task_id / 0-based line index
  std::string question;                         // the problem statement as published
  std::string prompt;                           // text given to a model (the task's default prompt style)
  std::string gold;                             // gold answer, un-normalised (e.g. "2125", "\frac{1}{2}")
  std::string reference;                        // the file's worked solution, if any
  std::map<std::string, std::string> metadata;  // split keys: level, subject, course, difficulty, ...
};

}  // namespace trafl
