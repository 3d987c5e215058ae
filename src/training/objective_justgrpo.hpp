#pragma once
// JustGRPO ("The Flexibility Trap", Ni et al., arXiv 2601.15165; code LeapLabTHU/JustGRPO @ eebe50e,
// docs/method.md §3.4 and §4 [B]). Requires LibTorch.
//
// The dLLM is an AR policy during RL: rollouts left to right, one token per step
// (rollout_order() = LeftToRight, training/ar_rollout.hpp); exact token log-probs from
// [prompt, y_<t, MASK…] (ar_token_logp). Clipped token objective, no KL:
//   loss = Σ_{round} Σ_{i,t} −min(ρ A_i, clip(ρ, 1±ε) A_i) / (L · N_round),
//   A = (r − mean_G) / (std_G + 1e-4), N_round = #{i : A_i ≠ 0} over every group of the round
// (JustGRPO gathers the count over its devices, one prompt each, and sums its 8 accumulation rounds
// unaveraged; losses.hpp signal_divisors). Groups without signal do not dilute the update. The trainer's
// batch is `rounds` consecutive rounds; the reference's +1e-5 on the count (a guard against 0) is not
// copied: a round without signal has zero loss either way.
// With one update per batch (μ = 1, JustGRPO's setting) ρ = exp(logp − logp.detach()) = 1 in value,
// so no old log-probs are stored; with μ > 1 prepare() freezes them. Every completion token counts
// (JustGRPO divides by gen_length) unless truncate_at_eos.
// Options: epsilon 0.2 [B], inner_iterations 1 [B], logp_chunk 0 (rows per forward; 0 = all) [G],
// truncate_at_eos false [G], rounds 1 [G] (JustGRPO: 8, its 64 prompts per step = 8 GPUs × 8 accumulation
// rounds [B]).
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "training/objective.hpp"

namespace trafl::training {

struct JustGrpoOptions {
  double epsilon = 0.2;
  int inner_iterations = 1;
  std::int64_t logp_chunk = 0;
  bool truncate_at_eos = false;
  std::int64_t rounds = 1;
};
JustGrpoOptions parse_justgrpo_options(const nlohmann::json& options);

class JustGrpoObjective : public Objective {
 public:
  JustGrpoObjective(const JustGrpoOptions& options, const model::ModelConfig& config);
  std::string name() const override { return "justgrpo"; }
  RolloutOrder rollout_order() const override { return RolloutOrder::kLeftToRight; }
  int inner_iterations() const override { return options_.inner_iterations; }
  // frozen["signal_divisor"] scalar (this group's round: N_round / batch groups), frozen["old_logp"] [G, L]
  // only when inner_iterations > 1. UsageError when rounds does not divide the batch.
  void prepare(const model::LLaDAModel& policy, const model::LLaDAModel& reference, std::vector<RolloutGroup>& groups,
               std::uint64_t seed) override;
  // Stats: loss, clip_fraction, token_logp, nonzero_adv_fraction, reward_mean.
  torch::Tensor loss(const model::LLaDAModel& policy, const model::LLaDAModel& reference, const RolloutGroup& group,
                     int inner, std::uint64_t seed, StepStats& stats) override;

 private:
  JustGrpoOptions options_;
  std::int64_t eos_id_;
};

}  // namespace trafl::training
