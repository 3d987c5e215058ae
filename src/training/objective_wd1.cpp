// wd1 objective (see objective_wd1.hpp).
#include "training/objective_wd1.hpp"

#include <torch/torch.h>  // a LibTorch unit (CMakeLists.txt selects them by this line)

#include "core/error.hpp"
#include "sampling/elbo.hpp"
#include "training/losses.hpp"
#include "training/objective_common.hpp"
#include "core/option_reader.hpp"

namespace trafl::training {

Wd1Options parse_wd1_options(const nlohmann::json& json) {
  OptionReader r("wd1", json);
  Wd1Options o;
  o.inner_iterations = static_cast<int>(r.integer("inner_iterations", o.inner_iterations));
  r.require(o.inner_iterations >= 1, "inner_iterations", "must be >= 1");
  o.p_mask_prompt = r.number("p_mask_prompt", o.p_mask_prompt);
  r.require(o.p_mask_prompt >= 0 && o.p_mask_prompt < 1, "p_mask_prompt", "must be in [0, 1)");
  o.random_masking = r.boolean("random_masking", o.random_masking);
  r.reject_unknown();
  return o;
}

Wd1Objective::Wd1Objective(const Wd1Options& options, const model::ModelConfig& config)
    : options_(options), eos_id_(first_eos_id(config)) {}

void Wd1Objective::prepare(const model::LLaDAModel&, const model::LLaDAModel&, std::vector<RolloutGroup>& groups,
                           std::uint64_t seed) {
  for (std::size_t gi = 0; gi < groups.size(); ++gi) {
    RolloutGroup& group = groups[gi];
    const std::int64_t G = static_cast<std::int64_t>(group.completions.size());
    const std::int64_t P = static_cast<std::int64_t>(group.prompt.size());
    std::vector<torch::Tensor> pm;
    for (int it = 0; it < options_.inner_iterations; ++it) {
      const std::uint64_t stream = 1 + static_cast<std::uint64_t>(options_.random_masking ? it : 0);
      pm.push_back(
          prompt_masks(G, P, options_.p_mask_prompt, group_seed(seed, group, batch_position(group, gi), stream)));
    }
    group.frozen["prompt_masks"] = torch::stack(pm);
  }
}

torch::Tensor Wd1Objective::loss(const model::LLaDAModel& policy, const model::LLaDAModel&, const RolloutGroup& group,
                                 int inner, std::uint64_t, StepStats& stats) {
  if (!group.frozen.count("prompt_masks")) throw UsageError("wd1: loss() before prepare(): no prompt_masks");
  const std::int64_t it = inner % options_.inner_iterations;
  const torch::Tensor y = completions_tensor(group, policy.device());
  const torch::Tensor all = torch::ones(y.sizes(), torch::kBool);
  const torch::Tensor logp =
      sampling::completion_token_logp(policy, group.prompt, y, all, group.frozen.at("prompt_masks")[it]);  // [G, L]
  const torch::Tensor rewards = rewards_tensor(group, logp.device());
  const torch::Tensor adv = centered_rewards(rewards);
  const torch::Tensor m = tokens_through_first_eos(y, eos_id_);
  const torch::Tensor loss = wd1_loss(logp, m, adv);
  stats["loss"] += loss.item<double>();
  stats["seq_logp"] += (logp.detach() * m).sum(1).mean().item<double>();
  stats["weight_max"] += torch::softmax(adv, 0).max().item<double>();
  stats["reward_mean"] += rewards.mean().item<double>();
  return loss;
}

}  // namespace trafl::training
