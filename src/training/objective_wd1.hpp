#pragma once
// wd1, ratio-free weighted log-likelihood (Tang et al., arXiv 2507.08838; code xiaohangt/wd1 @ 0898985,
// trainer_type wll_d1_neg; docs/method.md §3.2 and §4 [B]). Requires LibTorch.
//
//   ℓ_i = Σ_t log π̂(y_i,t) m_i,t  (d1's one-pass estimate, prompt masked with p_mask_prompt,
//                                  m = tokens through the first EOS)
//   loss = −Σ_i softmax(A)_i ℓ_i + Σ_i softmax(−A)_i ℓ_i,   A = r − mean_G, softmax over the group.
// No old policy, no reference, no clipping. A fresh prompt mask per inner iteration (d1's seeds).
// Options: inner_iterations 12 [B], p_mask_prompt 0.15 [B], random_masking true [B].
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "training/objective.hpp"

namespace trafl::training {

struct Wd1Options {
  int inner_iterations = 12;
  double p_mask_prompt = 0.15;
  bool random_masking = true;
};
Wd1Options parse_wd1_options(const nlohmann::json& options);

class Wd1Objective : public Objective {
 public:
  Wd1Objective(const Wd1Options& options, const model::ModelConfig& config);
  std::string name() const override { return "wd1"; }
  int inner_iterations() const override { return options_.inner_iterations; }
  // frozen["prompt_masks"] [μ, G, P] bool.
  void prepare(const model::LLaDAModel& policy, const model::LLaDAModel& reference, std::vector<RolloutGroup>& groups,
               std::uint64_t seed) override;
  // Stats: loss, seq_logp, weight_max (largest positive weight), reward_mean.
  torch::Tensor loss(const model::LLaDAModel& policy, const model::LLaDAModel& reference, const RolloutGroup& group,
                     int inner, std::uint64_t seed, StepStats& stats) override;

 private:
  Wd1Options options_;
  std::int64_t eos_id_;
};

}  // namespace trafl::training
