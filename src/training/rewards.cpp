// Task rewards through the graders (see rewards.hpp). No torch here.
#include "training/rewards.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

#include "codegrade/code_task.hpp"
#include "core/error.hpp"
#include "grade_stage/grade_memo.hpp"

namespace trafl::training {
namespace {

class TaskReward : public RewardFunction {
 public:
  TaskReward(const std::string& name, const RewardOptions& options)
      : task_(make_task(name, options.task_options)), options_(options) {
    if (options_.mode.empty()) options_.mode = task_->default_mode();
    const std::vector<std::string> modes = task_->modes();
    if (std::find(modes.begin(), modes.end(), options_.mode) == modes.end())
      throw UsageError(fmt::format("reward: task {} has no grading mode '{}'", name, options_.mode));
    code_ = dynamic_cast<const codegrade::SandboxedGrading*>(task_.get());
  }

  std::string describe() const override {
    return fmt::format("{} graded in mode {}{}{}", task_->name(), options_.mode,
                       code_ ? (options_.code_fraction ? " (fraction of tests)" : " (all tests)") : "",
                       options_.format_weight > 0 ? fmt::format(" + {} x format", options_.format_weight) : "");
  }

  std::vector<double> score(const Problem& problem, const std::vector<std::string>& completions) override {
    std::vector<double> rewards(completions.size(), 0.0);
    auto one = [&](std::size_t i) { rewards[i] = reward(problem, completions[i]); };
    const unsigned threads = code_ ? std::max(1u, code_->grading_threads()) : 1u;
    if (threads <= 1 || completions.size() <= 1) {
      for (std::size_t i = 0; i < completions.size(); ++i) one(i);
      return rewards;
    }
    // Code: keep every sandbox slot busy; each worker takes the next completion.
    std::atomic<std::size_t> next{0};
    std::vector<std::thread> pool;
    std::exception_ptr error;
    std::mutex error_mutex;
    for (unsigned t = 0; t < std::min<std::size_t>(threads, completions.size()); ++t)
      pool.emplace_back([&] {
        for (std::size_t i; (i = next.fetch_add(1)) < completions.size();) {
          try {
            one(i);
          } catch (...) {
            std::lock_guard<std::mutex> lock(error_mutex);
            if (!error) error = std::current_exception();
          }
        }
      });
    for (std::thread& t : pool) t.join();
    if (error) std::rethrow_exception(error);
    return rewards;
  }

 private:
  double reward(const Problem& problem, const std::string& completion) {
    // Rollouts repeat themselves (more so as a policy sharpens); a code grade runs every test in
    // the sandbox, so an identical completion takes the remembered grade (grade_memo.hpp).
    const Grade g = memo_.grade(*task_, problem, completion, options_.mode);
    double r = g.correct ? 1.0 : 0.0;
    if (code_ && options_.code_fraction && !g.correct) {
      const auto total = g.details.value("total_tests", 0);
      std::int64_t passed = 0;
      if (g.details.contains("tests"))
        for (const auto& t : g.details["tests"]) passed += t.value("verdict", "") == "passed";
      r = total > 0 ? static_cast<double>(passed) / total : 0.0;
    }
    if (options_.format_weight > 0) {
      const bool formatted = code_ ? completion.find("```") != std::string::npos : !g.extracted.empty();
      r += options_.format_weight * (formatted ? 1.0 : 0.0);
    }
    return r;
  }

  std::unique_ptr<Task> task_;
  RewardOptions options_;
  const codegrade::SandboxedGrading* code_ = nullptr;
  GradeMemo memo_{20000};
};

}  // namespace

std::unique_ptr<RewardFunction> make_task_reward(const std::string& task, const RewardOptions& options) {
  return std::make_unique<TaskReward>(task, options);
}

}  // namespace trafl::training
