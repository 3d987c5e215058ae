// diffu-GRPO objective (see objective_diffu_grpo.hpp).
#include "training/objective_diffu_grpo.hpp"

#include <torch/torch.h>  // a LibTorch unit (CMakeLists.txt selects them by this line)

#include "core/error.hpp"
#include "sampling/elbo.hpp"
#include "training/losses.hpp"
#include "training/objective_common.hpp"
#include "core/option_reader.hpp"

namespace trafl::training {

DiffuGrpoOptions parse_diffu_grpo_options(const nlohmann::json& json) {
  OptionReader r("diffu-grpo", json);
  DiffuGrpoOptions o;
  o.beta = r.number("beta", o.beta);
  r.require(o.beta >= 0, "beta", "must be >= 0");
  o.epsilon = r.number("epsilon", o.epsilon);
  r.require(o.epsilon > 0 && o.epsilon < 1, "epsilon", "must be in (0, 1)");
  o.inner_iterations = static_cast<int>(r.integer("inner_iterations", o.inner_iterations));
  r.require(o.inner_iterations >= 1, "inner_iterations", "must be >= 1");
  o.p_mask_prompt = r.number("p_mask_prompt", o.p_mask_prompt);
  r.require(o.p_mask_prompt >= 0 && o.p_mask_prompt < 1, "p_mask_prompt", "must be in [0, 1)");
  o.random_masking = r.boolean("random_masking", o.random_masking);
  o.scale_rewards = r.boolean("scale_rewards", o.scale_rewards);
  r.reject_unknown();
  return o;
}

DiffuGrpoObjective::DiffuGrpoObjective(const DiffuGrpoOptions& options, const model::ModelConfig& config)
    : options_(options), eos_id_(first_eos_id(config)) {}

void DiffuGrpoObjective::prepare(const model::LLaDAModel& policy, const model::LLaDAModel& reference,
                                 std::vector<RolloutGroup>& groups, std::uint64_t seed) {
  torch::NoGradGuard no_grad;
  for (std::size_t gi = 0; gi < groups.size(); ++gi) {
    RolloutGroup& group = groups[gi];
    const torch::Tensor y = completions_tensor(group, policy.device());
    const std::int64_t G = y.size(0), P = static_cast<std::int64_t>(group.prompt.size());
    const torch::Tensor all = torch::ones(y.sizes(), torch::kBool);
    std::vector<torch::Tensor> pm, old, ref;
    for (int it = 0; it < options_.inner_iterations; ++it) {
      const std::uint64_t stream = 1 + static_cast<std::uint64_t>(options_.random_masking ? it : 0);
      pm.push_back(
          prompt_masks(G, P, options_.p_mask_prompt, group_seed(seed, group, batch_position(group, gi), stream)));
      old.push_back(sampling::completion_token_logp(policy, group.prompt, y, all, pm.back()));
      ref.push_back(sampling::completion_token_logp(reference, group.prompt, y, all, pm.back()));
    }
    group.frozen["prompt_masks"] = torch::stack(pm);
    group.frozen["old_logp"] = torch::stack(old);
    group.frozen["ref_logp"] = torch::stack(ref);
  }
}

torch::Tensor DiffuGrpoObjective::loss(const model::LLaDAModel& policy, const model::LLaDAModel&,
                                       const RolloutGroup& group, int inner, std::uint64_t, StepStats& stats) {
  for (const char* key : {"prompt_masks", "old_logp", "ref_logp"})
    if (!group.frozen.count(key)) throw UsageError(std::string("diffu-GRPO: loss() before prepare(): no ") + key);
  const std::int64_t it = inner % options_.inner_iterations;
  const torch::Tensor y = completions_tensor(group, policy.device());
  const torch::Tensor all = torch::ones(y.sizes(), torch::kBool);
  const torch::Tensor logp =
      sampling::completion_token_logp(policy, group.prompt, y, all, group.frozen.at("prompt_masks")[it]);  // [G, L]
  const torch::Tensor rewards = rewards_tensor(group, logp.device());
  const torch::Tensor adv = options_.scale_rewards ? group_normalized_advantages(rewards) : centered_rewards(rewards);
  const GrpoTerms t = grpo_loss(
      logp, group.frozen.at("old_logp")[it].to(logp.device()), group.frozen.at("ref_logp")[it].to(logp.device()), adv,
      tokens_through_first_eos(y, eos_id_), options_.epsilon, options_.beta, TokenNormalization::kMaskedTokens);
  stats["loss"] += t.loss.item<double>();
  stats["kl"] += t.kl.item<double>();
  stats["clip_fraction"] += t.clip_fraction;
  stats["token_logp"] += logp.detach().mean().item<double>();
  stats["reward_mean"] += rewards.mean().item<double>();
  return t.loss;
}

}  // namespace trafl::training
