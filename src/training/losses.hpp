#pragma once
// The post-training losses as pure tensor functions: log-likelihood estimates and rewards in, a
// scalar loss out. No model, no sampling — so each is testable on exact log-probabilities from a
// table (tests/test_objective_losses.cpp, tests/test_fixed_point.cpp), and the objectives
// (objective_*.cpp) only decide *which* estimates go in. Sources and tags as in
// docs/method.md ([P] paper, [S] third-party reading, [B] baseline code, [G] guess).
// Requires LibTorch. Shapes: G = group size (completions of one prompt), T = completion tokens.
#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace trafl::training {

// ---- advantages (all [G] -> [G], no grad) ----
// r − mean_G(r): TraFL's centring [S], d1 / wd1 [B].
torch::Tensor centered_rewards(const torch::Tensor& rewards);
// (r − mean) / (std + eps), std the unbiased sample std (torch.std default): JustGRPO [B], eps 1e-4.
torch::Tensor group_normalized_advantages(const torch::Tensor& rewards, double eps = 1e-4);
// r_i − mean_{j≠i} r_j: ESPO's leave-one-out baseline [B]. A group of one gets 0.
torch::Tensor leave_one_out_advantages(const torch::Tensor& rewards);

// ---- TraFL [S] ----
// δ_i = S_θ,i − S_ref,i − beta_eff·(r_i − r̄ when center, else r_i) + log Z.
//   s_policy [G] (differentiable), s_ref [G] (detached here: the reference carries no gradient),
//   rewards [G], log_z scalar (differentiable: the head learns through it).
// beta_eff is β or β/L, the caller's choice (TraFLOptions::beta_per_token).
torch::Tensor trafl_residuals(const torch::Tensor& s_policy, const torch::Tensor& s_ref, const torch::Tensor& rewards,
                              const torch::Tensor& log_z, double beta_eff, bool center_rewards);
// mean_i w_i δ_i² ; weights [G] optional (detached; FlowRL-style importance weights [B/G]).
torch::Tensor trafl_loss(const torch::Tensor& residuals, const torch::Tensor& weights = {});

// ---- ESPO [B] ----
// ρ_i = exp((elbo_θ,i − elbo_old,i) / L) (per-token normalised sequence ratio),
// loss = −mean_i min(ρ_i A_i, clip(ρ_i, 1−ε, 1+ε) A_i) + β · Σ_i ½(elbo_θ,i − elbo_ref,i)² / (G·L)  (k2 KL).
// elbo_* [G] are sequence ELBOs (sums over tokens, not per token); elbo_old and elbo_ref are detached.
struct EspoTerms {
  torch::Tensor loss, policy_loss, kl;  // scalars (kl = the k2 term before β)
  double clip_fraction = 0.0;
};
EspoTerms espo_loss(const torch::Tensor& elbo_policy, const torch::Tensor& elbo_old, const torch::Tensor& elbo_ref,
                    const torch::Tensor& advantages, double length, double epsilon, double beta);

// ---- GRPO-style clipped token objective (diffu-GRPO [B], JustGRPO [B]) ----
// per token: −min(ρ A, clip(ρ, 1−ε, 1+ε) A) + β·k3,  ρ = exp(logp − old_logp),
// k3 = exp(ref − logp) − (ref − logp) − 1 (only when ref_logp is defined and β > 0).
// logp / old_logp / ref_logp [G, T], advantages [G], token_mask [G, T] (1 = counted).
enum class TokenNormalization {
  kMaskedTokens,        // Σ per_token·m / Σ m   (d1)
  kGenLengthNonzeroAdv  // Σ per_token·m / (T · n), n = signal_samples, or #{i : A_i ≠ 0} of this call when
                        // signal_samples < 0 (JustGRPO; n comes from the whole round: signal_divisors below)
};
struct GrpoTerms {
  torch::Tensor loss, kl;  // kl = masked mean of k3 (zero tensor without a reference)
  double clip_fraction = 0.0;
};
GrpoTerms grpo_loss(const torch::Tensor& logp, const torch::Tensor& old_logp, const torch::Tensor& ref_logp,
                    const torch::Tensor& advantages, const torch::Tensor& token_mask, double epsilon, double beta,
                    TokenNormalization normalization, double signal_samples = -1.0);

// ---- JustGRPO's batch normalisation [B: grpo.py logprob_loss, train.py] ----
// JustGRPO divides a round's summed token losses by gen_length · (number of rollouts with A ≠ 0 in the
// whole round: every device's group, gathered), and sums the rounds of gradient accumulation without
// averaging them. Our trainer averages the per-group losses over the batch's B groups, so group g of
// round r returns Σ_{i,t} loss / (T · n_g) with n_g = N_r / B (N_r = rollouts with A ≠ 0 in round r):
// the mean over groups then is Σ_r Σ_{g∈r} Σ_{i,t} loss / (T · N_r), the reference's gradient.
// nonzero [B] = each group's #{A ≠ 0}, in batch order; the B groups form `rounds` consecutive equal
// rounds. Returns n_g [B]. UsageError unless rounds >= 1 divides B. A round without signal gives 0
// (its groups' losses are zero anyway).
std::vector<double> signal_divisors(const std::vector<std::int64_t>& nonzero, std::int64_t rounds);

// ---- wd1 [B] ----
// ℓ_i = Σ_t logp_i,t m_i,t ; loss = −Σ_i softmax(A)_i ℓ_i + Σ_i softmax(−A)_i ℓ_i (softmax over the group).
torch::Tensor wd1_loss(const torch::Tensor& logp, const torch::Tensor& token_mask, const torch::Tensor& advantages);

}  // namespace trafl::training
