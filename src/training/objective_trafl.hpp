#pragma once
// TraFL (Trajectory Flow baLancing), the objective of arXiv 2605.13935, as far as it is known
// (docs/method.md §1; tags: [P] paper, [S] third-party reading, [B] baseline
// code, [G] our guess). Requires LibTorch.
//
//   δ(x, y_i) = S_θ(y_i|x) − S_ref(y_i|x) − β̃·(r_i − r̄_G) + log Z_φ(x),   loss = mean_i δ²      [S]
//
// * Target p*(y|x) ∝ π_ref(y|x)·exp(β r) [P "reward-tilted target anchored to a frozen reference"; S].
// * S = the masked-reconstruction surrogate (sampling/elbo.hpp), K masks shared by policy and
//   reference [S], by default K = 4 as two (mask, complement) pairs [S]; the mask-size law of the
//   pairs is our stratified-uniform choice (the paper's is not established) [G].
// * weighting "per_token" (1/l, TraFL's "Eq. 4" per [S]) or "elbo" (L/l) [S offers both].
// * beta_scaling "per_token" → β̃ = β/L, "sequence" → β̃ = β. Default: matches the weighting, so the
//   target stays exp(β r) in either unit [S: "beta / u keeps the target exp(beta r)"].
// * Rewards centred in the group [S]; option center_rewards=false uses raw r. Centring moves the
//   fixed point: r̄ contains the sample's own reward, so the tilt becomes β(1 − 1/G) [S: FORMULATIONS_V2
//   §2.2]; raw rewards with the learned log Z reach exp(β r) exactly (both checked in test_fixed_point.cpp).
// * log Z_φ: MLP on mean-pooled prompt hidden states of the policy (objective_trafl_head.hpp), its own
//   learning rate [S "log Z head", G architecture]; features detached from the policy by default [G]
//   (FlowRL does not detach [B]; a head should not reshape the trunk).
// * Gradients never flow through sampling; the reference carries no gradient [S].
// * Optional FlowRL-style importance weight w = min(exp(ELBO_θ − ELBO_old), clip), detached [B/G];
//   only meaningful with inner_iterations > 1 (on-policy with μ = 1 it is exactly 1).
//
// Options (JSON; unknown keys rejected):
//   beta 5.0 [G], beta_scaling "per_token"|"sequence" (default: same unit as weighting),
//   weighting "per_token" [S] | "elbo", num_masks 4 [S], mask_scheme "coupled" [S] | "independent",
//   center_rewards true [S], inner_iterations 1 [G], importance_weights false [G], importance_clip 10 [G],
//   logz_layers 3 [B FlowRL], logz_hidden 0 (= d_model) [B FlowRL], logz_lr 1e-3 [G; S toy 1e-2 vs 1e-3],
//   logz_detach_features true [G], logz_seed 0.
#include <torch/torch.h>

#include <memory>

#include <nlohmann/json.hpp>

#include "sampling/elbo.hpp"
#include "training/objective.hpp"
#include "training/objective_trafl_head.hpp"

namespace trafl::training {

struct TraflOptions {
  double beta = 5.0;
  bool beta_per_token = true;
  sampling::SurrogateWeight weighting = sampling::SurrogateWeight::kPerToken;
  std::int64_t num_masks = 4;
  bool coupled_masks = true;
  bool center_rewards = true;
  int inner_iterations = 1;
  bool importance_weights = false;
  double importance_clip = 10.0;
  std::int64_t logz_layers = 3;
  std::int64_t logz_hidden = 0;
  double logz_lr = 1e-3;
  bool logz_detach_features = true;
  std::uint64_t logz_seed = 0;
};
// InputError naming the key for an unknown key, a wrong type or a value out of range.
TraflOptions parse_trafl_options(const nlohmann::json& options);

class TraflObjective : public Objective {
 public:
  TraflObjective(const TraflOptions& options, const model::ModelConfig& config);
  std::string name() const override { return "trafl"; }
  int inner_iterations() const override { return options_.inner_iterations; }
  std::vector<ParamGroup> extra_parameter_groups() override;
  std::map<std::string, torch::Tensor> state() const override { return head_.state(); }
  void load_state(const std::map<std::string, torch::Tensor>& state) override { head_.load_state(state); }
  // Per group: frozen["masks"] [K, G, L], frozen["s_ref"] [G], frozen["s_old"] [G] (only with
  // importance weights), frozen["prompt_features"] [D] (when the features are detached).
  void prepare(const model::LLaDAModel& policy, const model::LLaDAModel& reference, std::vector<RolloutGroup>& groups,
               std::uint64_t seed) override;
  // Stats: loss, log_z, delta_abs, s_policy, s_ref, log_ratio (mean S_θ − S_ref), reward_mean, [is_weight].
  torch::Tensor loss(const model::LLaDAModel& policy, const model::LLaDAModel& reference, const RolloutGroup& group,
                     int inner, std::uint64_t seed, StepStats& stats) override;

  const TraflOptions& options() const { return options_; }
  // log Z_φ(x) for a prompt (grad flows into the head; into the policy only without detaching).
  torch::Tensor log_z(const model::LLaDAModel& policy, const std::vector<std::int64_t>& prompt) const;

 private:
  torch::Tensor prompt_features(const model::LLaDAModel& policy, const std::vector<std::int64_t>& prompt) const;
  TraflOptions options_;
  LogZHead head_;  // on the CPU (tiny next to the model): the optimiser can hold its tensors from the start
};

}  // namespace trafl::training
