// JustGRPO objective (see objective_justgrpo.hpp).
#include "training/objective_justgrpo.hpp"

#include <torch/torch.h>  // a LibTorch unit (CMakeLists.txt selects them by this line)

#include "core/error.hpp"
#include "training/ar_rollout.hpp"
#include "training/losses.hpp"
#include "training/objective_common.hpp"
#include "core/option_reader.hpp"

namespace trafl::training {

JustGrpoOptions parse_justgrpo_options(const nlohmann::json& json) {
  OptionReader r("justgrpo", json);
  JustGrpoOptions o;
  o.epsilon = r.number("epsilon", o.epsilon);
  r.require(o.epsilon > 0 && o.epsilon < 1, "epsilon", "must be in (0, 1)");
  o.inner_iterations = static_cast<int>(r.integer("inner_iterations", o.inner_iterations));
  r.require(o.inner_iterations >= 1, "inner_iterations", "must be >= 1");
  o.logp_chunk = r.integer("logp_chunk", o.logp_chunk);
  r.require(o.logp_chunk >= 0, "logp_chunk", "must be >= 0");
  o.truncate_at_eos = r.boolean("truncate_at_eos", o.truncate_at_eos);
  o.rounds = r.integer("rounds", o.rounds);
  r.require(o.rounds >= 1, "rounds", "must be >= 1");
  r.reject_unknown();
  return o;
}

JustGrpoObjective::JustGrpoObjective(const JustGrpoOptions& options, const model::ModelConfig& config)
    : options_(options), eos_id_(first_eos_id(config)) {}

void JustGrpoObjective::prepare(const model::LLaDAModel& policy, const model::LLaDAModel&,
                                std::vector<RolloutGroup>& groups, std::uint64_t) {
  torch::NoGradGuard no_grad;
  if (groups.empty()) return;
  // The rounds span the whole batch: with data parallelism this rank holds only some of its groups,
  // and the trainer passes every group's rewards (batch_rewards) so each divisor is the one-process one.
  auto signal = [](const torch::Tensor& rewards) {
    return (group_normalized_advantages(rewards) != 0).sum().item<std::int64_t>();
  };
  std::vector<std::int64_t> nonzero;
  if (const auto& all = groups.front().batch_rewards)
    for (const std::vector<double>& r : *all)
      nonzero.push_back(signal(torch::tensor(r, torch::kFloat64).to(torch::kFloat32)));
  else
    for (const RolloutGroup& group : groups) nonzero.push_back(signal(rewards_tensor(group, torch::kCPU)));
  const std::vector<double> divisors = signal_divisors(nonzero, options_.rounds);
  for (std::size_t gi = 0; gi < groups.size(); ++gi) {
    RolloutGroup& group = groups[gi];
    group.frozen["signal_divisor"] = torch::tensor(divisors.at(batch_position(group, gi)), torch::kFloat64);  // scalar
    // With μ = 1 the ratio is exp(logp − logp.detach()): no old log-probs to keep.
    if (options_.inner_iterations > 1)
      group.frozen["old_logp"] =
          ar_token_logp(policy, group.prompt, completions_tensor(group, policy.device()), options_.logp_chunk);
  }
}

torch::Tensor JustGrpoObjective::loss(const model::LLaDAModel& policy, const model::LLaDAModel&,
                                      const RolloutGroup& group, int, std::uint64_t, StepStats& stats) {
  if (!group.frozen.count("signal_divisor")) throw UsageError("JustGRPO: loss() before prepare(): no signal_divisor");
  const torch::Tensor y = completions_tensor(group, policy.device());
  const torch::Tensor logp = ar_token_logp(policy, group.prompt, y, options_.logp_chunk);  // [G, L]
  auto old = group.frozen.find("old_logp");
  const torch::Tensor old_logp = old != group.frozen.end() ? old->second.to(logp.device()) : logp.detach();
  const torch::Tensor rewards = rewards_tensor(group, logp.device());
  const torch::Tensor adv = group_normalized_advantages(rewards);
  const torch::Tensor m =
      options_.truncate_at_eos ? tokens_through_first_eos(y, eos_id_) : torch::ones(y.sizes(), logp.options());
  const GrpoTerms t =
      grpo_loss(logp, old_logp, torch::Tensor(), adv, m, options_.epsilon, 0.0,
                TokenNormalization::kGenLengthNonzeroAdv, group.frozen.at("signal_divisor").item<double>());
  stats["loss"] += t.loss.item<double>();
  stats["clip_fraction"] += t.clip_fraction;
  stats["token_logp"] += logp.detach().mean().item<double>();
  stats["nonzero_adv_fraction"] += (adv != 0).to(torch::kFloat64).mean().item<double>();
  stats["reward_mean"] += rewards.mean().item<double>();
  return t.loss;
}

}  // namespace trafl::training
