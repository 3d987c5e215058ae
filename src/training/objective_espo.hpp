#pragma once
// ESPO, ELBO-based Sequence-level Policy Optimization (Ou et al., arXiv 2512.03759; code
// ML-GSAI/ESPO @ b5f2dac, docs/method.md §3.3 and §4 [B]). Requires LibTorch.
//
//   ρ_i = exp((ELBO_θ(y_i) − ELBO_old(y_i)) / L),   A_i = r_i − mean_{j≠i} r_j (leave-one-out),
//   loss = −mean_i min(ρ_i A_i, clip(ρ_i, 1±ε) A_i) + β·Σ_i ½(ELBO_θ − ELBO_ref)² / (G·L)   (k2 KL)
//
// ELBO: the engine's coupled estimator (sampling/elbo.hpp, L/l weights) with num_mc (mask,
// complement) pairs, drawn afresh for each of the μ inner iterations (ESPO's mask_seeds
// [num_iterations, num_mc]), θ, θ_old and the reference scored on that iteration's masks. ESPO's own discretisation (mask count x ∈ {0..L}, weights
// (L+1)/x and (L+1)/(L−x)) differs in the weights only; both are unbiased for a masked-diffusion
// ELBO [G: we use the engine's so that every objective shares one estimator].
// Options: beta 1e-3 [B math], epsilon 0.2 [B], num_mc 2 [B], inner_iterations 8 [B].
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "training/objective.hpp"

namespace trafl::training {

struct EspoOptions {
  double beta = 1e-3;
  double epsilon = 0.2;
  std::int64_t num_mc = 2;
  int inner_iterations = 8;
};
EspoOptions parse_espo_options(const nlohmann::json& options);

class EspoObjective : public Objective {
 public:
  explicit EspoObjective(const EspoOptions& options) : options_(options) {}
  std::string name() const override { return "espo"; }
  int inner_iterations() const override { return options_.inner_iterations; }
  // frozen["masks"] [μ, 2·num_mc, G, L], frozen["elbo_old"] [μ, G], frozen["elbo_ref"] [μ, G]: iteration i
  // uses masks[i] and the pre-update policy's and the reference's ELBOs on them.
  void prepare(const model::LLaDAModel& policy, const model::LLaDAModel& reference, std::vector<RolloutGroup>& groups,
               std::uint64_t seed) override;
  // Stats: loss, policy_loss, kl, clip_fraction, elbo_policy, reward_mean.
  torch::Tensor loss(const model::LLaDAModel& policy, const model::LLaDAModel& reference, const RolloutGroup& group,
                     int inner, std::uint64_t seed, StepStats& stats) override;

 private:
  EspoOptions options_;
};

}  // namespace trafl::training
