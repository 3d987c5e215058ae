// ESPO objective (see objective_espo.hpp).
#include "training/objective_espo.hpp"

#include <torch/torch.h>  // a LibTorch unit (CMakeLists.txt selects them by this line)

#include "core/error.hpp"
#include "sampling/elbo.hpp"
#include "training/losses.hpp"
#include "training/objective_common.hpp"
#include "core/option_reader.hpp"

namespace trafl::training {

EspoOptions parse_espo_options(const nlohmann::json& json) {
  OptionReader r("espo", json);
  EspoOptions o;
  o.beta = r.number("beta", o.beta);
  r.require(o.beta >= 0, "beta", "must be >= 0");
  o.epsilon = r.number("epsilon", o.epsilon);
  r.require(o.epsilon > 0 && o.epsilon < 1, "epsilon", "must be in (0, 1)");
  o.num_mc = r.integer("num_mc", o.num_mc);
  r.require(o.num_mc >= 1, "num_mc", "must be >= 1");
  o.inner_iterations = static_cast<int>(r.integer("inner_iterations", o.inner_iterations));
  r.require(o.inner_iterations >= 1, "inner_iterations", "must be >= 1");
  r.reject_unknown();
  return o;
}

void EspoObjective::prepare(const model::LLaDAModel& policy, const model::LLaDAModel& reference,
                            std::vector<RolloutGroup>& groups, std::uint64_t seed) {
  torch::NoGradGuard no_grad;
  for (std::size_t gi = 0; gi < groups.size(); ++gi) {
    RolloutGroup& group = groups[gi];
    const torch::Tensor y = completions_tensor(group, policy.device());
    // One set of masks per inner iteration (ESPO's mask_seeds [num_iterations, num_mc]): each optimiser
    // step fits a fresh Monte-Carlo draw, and θ_old / the reference are scored on that step's draw, so
    // the ratio and the KL compare like with like. Stream `it` keeps iteration 0 on the former draw.
    std::vector<torch::Tensor> masks, old, ref;
    for (int it = 0; it < options_.inner_iterations; ++it) {
      masks.push_back(
          sampling::coupled_masks(y.size(1), y.size(0), 2 * options_.num_mc,
                                  group_seed(seed, group, batch_position(group, gi), static_cast<std::uint64_t>(it))));
      old.push_back(
          sampling::sequence_surrogate(policy, group.prompt, y, masks.back(), sampling::SurrogateWeight::kElbo));
      ref.push_back(
          sampling::sequence_surrogate(reference, group.prompt, y, masks.back(), sampling::SurrogateWeight::kElbo));
    }
    group.frozen["masks"] = torch::stack(masks);   // [μ, 2·num_mc, G, L]
    group.frozen["elbo_old"] = torch::stack(old);  // [μ, G]
    group.frozen["elbo_ref"] = torch::stack(ref);  // [μ, G]
  }
}

torch::Tensor EspoObjective::loss(const model::LLaDAModel& policy, const model::LLaDAModel&, const RolloutGroup& group,
                                  int inner, std::uint64_t, StepStats& stats) {
  for (const char* key : {"masks", "elbo_old", "elbo_ref"})
    if (!group.frozen.count(key)) throw UsageError(std::string("ESPO: loss() before prepare(): no ") + key);
  const std::int64_t it = inner % options_.inner_iterations;
  const torch::Tensor y = completions_tensor(group, policy.device());
  const torch::Tensor elbo = sampling::sequence_surrogate(policy, group.prompt, y, group.frozen.at("masks")[it],
                                                          sampling::SurrogateWeight::kElbo);  // [G]
  const torch::Tensor rewards = rewards_tensor(group, elbo.device());
  const EspoTerms t = espo_loss(elbo, group.frozen.at("elbo_old")[it].to(elbo.device()),
                                group.frozen.at("elbo_ref")[it].to(elbo.device()), leave_one_out_advantages(rewards),
                                static_cast<double>(y.size(1)), options_.epsilon, options_.beta);
  stats["loss"] += t.loss.item<double>();
  stats["policy_loss"] += t.policy_loss.item<double>();
  stats["kl"] += t.kl.item<double>();
  stats["clip_fraction"] += t.clip_fraction;
  stats["elbo_policy"] += elbo.detach().mean().item<double>();
  stats["reward_mean"] += rewards.mean().item<double>();
  return t.loss;
}

}  // namespace trafl::training
