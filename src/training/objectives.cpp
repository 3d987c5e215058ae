// The objective registry (see objective.hpp): the one place that maps a name to a class. Adding an
// objective is its own file (objective_<name>.{hpp,cpp}) plus one row of kObjectives.
#include <torch/torch.h>  // a LibTorch unit (CMakeLists.txt selects them by this line)

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"
#include "training/objective.hpp"
#include "training/objective_diffu_grpo.hpp"
#include "training/objective_espo.hpp"
#include "training/objective_justgrpo.hpp"
#include "training/objective_trafl.hpp"
#include "training/objective_wd1.hpp"

namespace trafl::training {

namespace {

struct Entry {
  const char* name;
  const char* summary;                // one line for `train --help`
  int (*default_inner_iterations)();  // μ with default options, read from the objective's own defaults
  std::unique_ptr<Objective> (*make)(const nlohmann::json& options, const model::ModelConfig& config);
};

// TraFL first, then the baselines (this order is the demo's and the report's).
const Entry kObjectives[] = {
    {"trafl", "TraFL: trajectory balance toward p_ref·exp(β r) with a learned log Z",
     [] { return TraflOptions{}.inner_iterations; },
     [](const nlohmann::json& o, const model::ModelConfig& c) -> std::unique_ptr<Objective> {
       return std::make_unique<TraflObjective>(parse_trafl_options(o), c);
     }},
    {"diffu-grpo", "diffu-GRPO (d1): one-step token log-probabilities, clipped ratio, k3 KL",
     [] { return DiffuGrpoOptions{}.inner_iterations; },
     [](const nlohmann::json& o, const model::ModelConfig& c) -> std::unique_ptr<Objective> {
       return std::make_unique<DiffuGrpoObjective>(parse_diffu_grpo_options(o), c);
     }},
    {"espo", "ESPO: sequence-level ELBO ratio, leave-one-out advantages, k2 KL",
     [] { return EspoOptions{}.inner_iterations; },
     [](const nlohmann::json& o, const model::ModelConfig&) -> std::unique_ptr<Objective> {
       return std::make_unique<EspoObjective>(parse_espo_options(o));
     }},
    {"justgrpo", "JustGRPO: the dLLM as an autoregressive policy, GRPO on its token log-probabilities",
     [] { return JustGrpoOptions{}.inner_iterations; },
     [](const nlohmann::json& o, const model::ModelConfig& c) -> std::unique_ptr<Objective> {
       return std::make_unique<JustGrpoObjective>(parse_justgrpo_options(o), c);
     }},
    {"wd1", "wd1: weighted log-likelihood policy optimisation without ratios",
     [] { return Wd1Options{}.inner_iterations; },
     [](const nlohmann::json& o, const model::ModelConfig& c) -> std::unique_ptr<Objective> {
       return std::make_unique<Wd1Objective>(parse_wd1_options(o), c);
     }},
};

const Entry& entry(const std::string& name) {
  for (const Entry& e : kObjectives)
    if (name == e.name) return e;
  throw UsageError(
      fmt::format("unknown objective '{}' (expected one of: {})", name, fmt::join(objective_names(), ", ")));
}

}  // namespace

std::vector<std::string> objective_names() {
  std::vector<std::string> names;
  for (const Entry& e : kObjectives) names.emplace_back(e.name);
  return names;
}

std::string objective_help() {
  std::string h;
  for (const Entry& e : kObjectives) h += fmt::format("  {:<11} {}\n", e.name, e.summary);
  return h;
}

int default_inner_iterations(const std::string& name) { return entry(name).default_inner_iterations(); }

std::unique_ptr<Objective> make_objective(const std::string& name, const nlohmann::json& options,
                                          const model::ModelConfig& config) {
  return entry(name).make(options, config);
}

}  // namespace trafl::training
