// The reward registry (rewards.hpp): one row per reward name. Adding a reward = its terms in their
// own file plus one row of kRewards. No torch here.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <functional>

#include "core/error.hpp"
#include "training/rewards.hpp"
#include "training/rewards_code.hpp"
#include "training/rewards_d1.hpp"

namespace trafl::training {
namespace {

// d1's GSM8K gold: `extract_hash_answer` = text.split("####")[1].strip() of the data set's answer
// (commas kept, unlike our grader's gold); our Problem.gold when the file has no worked answer.
std::string d1_gold(const Problem& p) {
  const std::size_t at = p.reference.find("####");
  if (at == std::string::npos) return p.gold;
  std::string rest = p.reference.substr(at + 4);
  rest = rest.substr(0, rest.find("####"));
  return d1::strip(rest);
}

class D1Gsm8kReward : public RewardFunction {
 public:
  std::string describe() const override { return "d1-gsm8k (xmlcount + soft + strict + integer + 2.0 x exact match)"; }
  std::vector<double> score(const Problem& problem, const std::vector<std::string>& completions) override {
    const std::string gold = d1_gold(problem);
    std::vector<double> r;
    for (const std::string& c : completions) r.push_back(d1::gsm8k_reward(c, gold));
    return r;
  }
};

// 2.0 x the task grader's verdict in the Hendrycks mode (is_equiv on the last \boxed{}) + 0.5 x
// boxed_in_answer; the grader gives 0/1, so correctness = 2 x that.
class D1MathReward : public RewardFunction {
 public:
  D1MathReward(const std::string& task, RewardOptions o) {
    if (o.mode.empty()) o.mode = "hendrycks";
    grader_ = make_task_reward(task, o);
  }
  std::string describe() const override {
    return "d1-math (2.0 x " + grader_->describe() + " + 0.5 x boxed in <answer>)";
  }
  std::vector<double> score(const Problem& problem, const std::vector<std::string>& completions) override {
    std::vector<double> r = grader_->score(problem, completions);
    for (std::size_t i = 0; i < r.size(); ++i) r[i] = 2.0 * r[i] + d1::boxed_in_answer(completions[i]);
    return r;
  }

 private:
  std::unique_ptr<RewardFunction> grader_;
};

// Format term + fraction of tests, the tests only run for completions whose format term is 1.
class EspoCodeReward : public RewardFunction {
 public:
  EspoCodeReward(const std::string& task, RewardOptions o) {
    o.code_fraction = true;
    tests_ = make_task_reward(task, o);
  }
  std::string describe() const override { return "espo-code (format + " + tests_->describe() + ")"; }
  std::vector<double> score(const Problem& problem, const std::vector<std::string>& completions) override {
    std::vector<double> r(completions.size(), 0.0);
    std::vector<std::string> formatted;
    std::vector<std::size_t> where;
    for (std::size_t i = 0; i < completions.size(); ++i) {
      r[i] = code_reward::espo_format(completions[i]);
      if (r[i] >= 1.0) {
        formatted.push_back(completions[i]);
        where.push_back(i);
      }
    }
    if (!formatted.empty()) {
      const std::vector<double> passed = tests_->score(problem, formatted);
      for (std::size_t j = 0; j < where.size(); ++j) r[where[j]] += passed[j];
    }
    return r;
  }

 private:
  std::unique_ptr<RewardFunction> tests_;
};

struct Entry {
  const char* name;
  const char* summary;
  bool code;  // true: needs a task that runs code; false: needs one that does not
  std::function<std::unique_ptr<RewardFunction>(const std::string& task, const RewardOptions&)> make;
};

const Entry kRewards[] = {
    {"task", "the task's grader: 1 if correct (code: fraction of tests, or all) [+ format weight]", false,
     [](const std::string& t, const RewardOptions& o) { return make_task_reward(t, o); }},
    {"d1-gsm8k", "d1/wd1 GSM8K: xmlcount + soft + strict format + integer answer + 2.0 x exact match (max 3.5)", false,
     [](const std::string&, const RewardOptions&) -> std::unique_ptr<RewardFunction> {
       return std::make_unique<D1Gsm8kReward>();
     }},
    {"d1-math", "d1/wd1 MATH: 2.0 x last \\boxed{} equivalent (hendrycks) + 0.5 x boxed inside <answer> (max 3.0)",
     false,
     [](const std::string& t, const RewardOptions& o) -> std::unique_ptr<RewardFunction> {
       return std::make_unique<D1MathReward>(t, o);
     }},
    {"espo-code", "ESPO code: format (one fenced python block) + fraction of tests passed (max 2.0)", true,
     [](const std::string& t, const RewardOptions& o) -> std::unique_ptr<RewardFunction> {
       return std::make_unique<EspoCodeReward>(t, o);
     }},
};

}  // namespace

std::vector<std::string> reward_names() {
  std::vector<std::string> names;
  for (const Entry& e : kRewards) names.emplace_back(e.name);
  return names;
}

std::string reward_help() {
  std::string h;
  for (const Entry& e : kRewards) h += fmt::format("  {:<10} {}\n", e.name, e.summary);
  return h;
}

std::unique_ptr<RewardFunction> make_reward(const std::string& name, const std::string& task,
                                            const RewardOptions& options) {
  for (const Entry& e : kRewards) {
    if (name != e.name) continue;
    if (name != "task") {
      if (task_runs_code(task) != e.code)
        throw UsageError(fmt::format("reward '{}' is for {} tasks; task '{}' {}", name, e.code ? "code" : "math", task,
                                     e.code ? "does not run code" : "runs code"));
      if (options.format_weight > 0)
        throw UsageError(
            fmt::format("reward '{}' has its own format terms; --format-reward belongs to reward 'task'", name));
    }
    return e.make(task, options);
  }
  throw UsageError(fmt::format("unknown reward '{}' (expected one of: {})", name, fmt::join(reward_names(), ", ")));
}

}  // namespace trafl::training
