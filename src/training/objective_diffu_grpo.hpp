#pragma once
// diffu-GRPO (d1; Zhao et al., arXiv 2504.12216; code dllm-reasoning/d1 @ 837888f,
// docs/method.md §3.1 and §4 [B]). Requires LibTorch.
//
// One-pass per-token estimate: every completion token masked, each prompt token masked iid with
// p_mask_prompt; log π(y_t|x) ≈ log p(y_t | x̃, all completion masked). Per inner iteration i a
// mask seed (random_masking: a different seed per iteration; else one seed for all), shared by
// θ, θ_old and the reference (all precomputed in prepare, as d1 does).
//   per token: −min(ρA, clip(ρ, 1±ε)A) + β·k3(ref, θ), averaged over completion tokens up to and
//   including the first EOS; A = r − mean_G (no std division in d1's code).
// Options: beta 0.04 [B], epsilon 0.5 [B train.yaml], inner_iterations 12 [B], p_mask_prompt 0.15 [B],
// random_masking true [B], scale_rewards false [B] (true divides A by the group std + 1e-4).
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "training/objective.hpp"

namespace trafl::training {

struct DiffuGrpoOptions {
  double beta = 0.04;
  double epsilon = 0.5;
  int inner_iterations = 12;
  double p_mask_prompt = 0.15;
  bool random_masking = true;
  bool scale_rewards = false;
};
DiffuGrpoOptions parse_diffu_grpo_options(const nlohmann::json& options);

class DiffuGrpoObjective : public Objective {
 public:
  DiffuGrpoObjective(const DiffuGrpoOptions& options, const model::ModelConfig& config);
  std::string name() const override { return "diffu-grpo"; }
  int inner_iterations() const override { return options_.inner_iterations; }
  // frozen["prompt_masks"] [μ, G, P] bool, frozen["old_logp"], frozen["ref_logp"] [μ, G, L].
  void prepare(const model::LLaDAModel& policy, const model::LLaDAModel& reference, std::vector<RolloutGroup>& groups,
               std::uint64_t seed) override;
  // Stats: loss, kl, clip_fraction, token_logp, reward_mean.
  torch::Tensor loss(const model::LLaDAModel& policy, const model::LLaDAModel& reference, const RolloutGroup& group,
                     int inner, std::uint64_t seed, StepStats& stats) override;

 private:
  DiffuGrpoOptions options_;
  std::int64_t eos_id_;
};

}  // namespace trafl::training
