#include "grade_stage/grade_memo.hpp"

#include "benchmarks/task.hpp"

namespace trafl {

std::string GradeMemo::key(std::string_view problem_id, std::string_view mode, std::string_view completion) {
  // Lengths first, so that no choice of the three strings can collide with another.
  std::string k = std::to_string(problem_id.size()) + ':' + std::to_string(mode.size()) + ':';
  k.append(problem_id).append(mode).append(completion);
  return k;
}

std::optional<Grade> GradeMemo::find(std::string_view problem_id, std::string_view mode,
                                     std::string_view completion) const {
  const std::string k = key(problem_id, mode, completion);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = grades_.find(k);
  if (it == grades_.end()) return std::nullopt;
  ++hits_;
  return it->second;
}

void GradeMemo::remember(std::string_view problem_id, std::string_view mode, std::string_view completion,
                         const Grade& grade) {
  if (grade.verdict == "sandbox_error") return;
  std::string k = key(problem_id, mode, completion);
  std::lock_guard<std::mutex> lock(mu_);
  if (grades_.size() >= capacity_) grades_.clear();
  grades_.emplace(std::move(k), grade);
}

Grade GradeMemo::grade(const Task& task, const Problem& problem, const std::string& completion,
                       const std::string& mode) {
  if (std::optional<Grade> known = find(problem.id, mode, completion)) return std::move(*known);
  Grade g = task.grade(problem, completion, mode);
  remember(problem.id, mode, completion, g);
  return g;
}

std::int64_t GradeMemo::hits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hits_;
}

}  // namespace trafl
