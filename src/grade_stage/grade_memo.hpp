#pragma once
// Grades of completions already graded in this process, by (problem, mode, completion text).
//
// Why: at large sampling budgets a model repeats itself (a locked model almost always does), and a
// code grade runs every test in the sandbox — tens of milliseconds per program. Task::grade is a
// pure function of (problem, completion, mode), so an identical completion gets the stored grade
// of the first one instead of running again. Sandbox failures are never remembered (they say
// nothing about the program). Thread-safe; bounded (it is emptied when it holds `capacity`
// entries, so memory stays flat in a campaign of millions of distinct samples).
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "grading/grade.hpp"

namespace trafl {

class Task;
struct Problem;

class GradeMemo {
 public:
  explicit GradeMemo(std::size_t capacity = 200000) : capacity_(capacity) {}

  std::optional<Grade> find(std::string_view problem_id, std::string_view mode, std::string_view completion) const;
  void remember(std::string_view problem_id, std::string_view mode, std::string_view completion, const Grade& grade);

  // task.grade(problem, completion, mode), or the remembered grade of the same completion; a new
  // grade is remembered (unless it is a sandbox failure).
  Grade grade(const Task& task, const Problem& problem, const std::string& completion, const std::string& mode);

  std::int64_t hits() const;

 private:
  static std::string key(std::string_view problem_id, std::string_view mode, std::string_view completion);

  std::size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Grade> grades_;
  mutable std::int64_t hits_ = 0;
};

}  // namespace trafl
