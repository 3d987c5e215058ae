// make_objective / objective_names (see objective.hpp): the one place that maps a name to a class.
#include <torch/torch.h>  // a LibTorch unit (CMakeLists.txt selects them by this line)

#include <fmt/format.h>

#include "core/error.hpp"
#include "training/objective.hpp"
#include "training/objective_diffu_grpo.hpp"
#include "training/objective_espo.hpp"
#include "training/objective_justgrpo.hpp"
#include "training/objective_trafl.hpp"
#include "training/objective_wd1.hpp"

namespace trafl::training {

std::vector<std::string> objective_names() { return {"trafl", "espo", "justgrpo", "diffu-grpo", "wd1"}; }

int default_inner_iterations(const std::string& name) {
  if (name == "trafl") return TraflOptions{}.inner_iterations;
  if (name == "espo") return EspoOptions{}.inner_iterations;
  if (name == "justgrpo") return JustGrpoOptions{}.inner_iterations;
  if (name == "diffu-grpo") return DiffuGrpoOptions{}.inner_iterations;
  if (name == "wd1") return Wd1Options{}.inner_iterations;
  throw UsageError(fmt::format("unknown objective '{}' (expected one of: {})", name, fmt::join(objective_names(), ", ")));
}

std::unique_ptr<Objective> make_objective(const std::string& name, const nlohmann::json& options,
                                          const model::ModelConfig& config) {
  if (name == "trafl") return std::make_unique<TraflObjective>(parse_trafl_options(options), config);
  if (name == "espo") return std::make_unique<EspoObjective>(parse_espo_options(options));
  if (name == "justgrpo") return std::make_unique<JustGrpoObjective>(parse_justgrpo_options(options), config);
  if (name == "diffu-grpo") return std::make_unique<DiffuGrpoObjective>(parse_diffu_grpo_options(options), config);
  if (name == "wd1") return std::make_unique<Wd1Objective>(parse_wd1_options(options), config);
  throw UsageError(fmt::format("unknown objective '{}' (expected one of: {})", name,
                               fmt::join(objective_names(), ", ")));
}

}  // namespace trafl::training
