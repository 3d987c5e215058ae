#pragma once
// The Monte Carlo ELBO of log p(answer | prompt) for LLaDA (docs/engine.md §6,
// LLaDA get_log_likelihood.py). Requires LibTorch.
//
//   ELBO = E_{m ~ U{1..T}} E_{S ⊂ answer, |S| = m} [ (T/m) Σ_{j∈S} log p(y_j | prompt, answer with S masked) ]
// (the prompt is never masked; T = answer length). The estimator draws masks in batches of b rows,
// stratified over the batch exactly like the reference forward_process: k ~ U{1..T},
// m_i = ((round(k + i·T/b) − 1) mod T) + 1, then m_i answer positions uniformly at random; each row
// contributes (T/m_i) Σ_masked log p. The estimate is the mean over all rows (the reference's
// −mean(loss)). Standard error: rows of one batch are not independent (shared k), so the batches
// are the iid replicates: se = sd(batch means)/sqrt(#batches) (0 with one batch).
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "model/llada.hpp"

namespace trafl::sampling {

// Per-row terms (T/m_i) Σ_{j masked} log p(y_j | ...) for caller-supplied masks [N, T] (bool, true =
// masked; every row needs at least one masked position) — so policy and reference models can be scored
// on the same draws. Returns [N] float64 on the CPU. cfg_scale as in sampling (prompt masked in the
// unconditional copy).
torch::Tensor masked_loglik_terms(const model::LLaDAModel& model, const std::vector<std::int64_t>& prompt,
                                  const std::vector<std::int64_t>& answer, const torch::Tensor& masks,
                                  double cfg_scale = 0.0);

// The reference's stratified masks for one batch of b rows: [b, T] bool. Deterministic in `seed`.
torch::Tensor stratified_masks(std::int64_t T, std::int64_t b, std::uint64_t seed);

struct ElboOptions {
  std::int64_t mc = 128;         // rows in total (a multiple of batch_size)
  std::int64_t batch_size = 16;  // rows per forward = one stratified batch
  double cfg_scale = 0.0;
  std::uint64_t seed = 0;
};

struct ElboEstimate {
  double mean = 0.0;       // the ELBO estimate (a lower bound on log p(answer | prompt) in expectation)
  double std_error = 0.0;  // over batch means
  std::int64_t rows = 0;
  std::vector<double> batch_means;
};

ElboEstimate estimate_elbo(const model::LLaDAModel& model, const std::vector<std::int64_t>& prompt,
                           const std::vector<std::int64_t>& answer, const ElboOptions& options);

// The exact ELBO by enumerating all 2^T − 1 masks (T <= 16), for tests.
double exact_elbo(const model::LLaDAModel& model, const std::vector<std::int64_t>& prompt,
                  const std::vector<std::int64_t>& answer);

// ---- The differentiable sequence surrogate for training (issue 4 §5; docs/method.md §1.2) ----
//
//   S(y | x) = (1/K) Σ_k w(|M_k|) Σ_{i ∈ M_k} log π(y_i | x, y with M_k masked),
//   w(l) = 1/l   (PerToken: TraFL's "Eq. 4" per the third-party reading [S]; = ELBO / L)
//   w(l) = L/l   (Elbo: LLaDA's Monte Carlo ELBO [B]).
// M_k ⊆ completion positions (the prompt is never masked). The caller supplies the masks, so the
// policy, the old policy and the reference are scored on the same draws (antithetic in the VRPO
// sense: the noise cancels in S_θ − S_ref).

enum class SurrogateWeight { kPerToken, kElbo };
// "per_token" | "elbo"; UsageError otherwise.
SurrogateWeight parse_surrogate_weight(const std::string& name);
std::string surrogate_weight_name(SurrogateWeight weight);

// Coupled draws for G completions of length L: [K, G, L] bool (true = masked), K even (K/2 pairs).
// Per completion: k ~ U{1..L}; pair p takes l_p = ((k − 1 + ⌊p·L/(K/2)⌋) mod L) + 1 (stratified over
// the pairs, each l_p marginally uniform on 1..L), a uniform l_p-subset M and, as its partner, the
// complement of M in the completion — or M itself when l_p = L (the complement would be empty).
// Each row is then marginally an ordinary ELBO draw, so the mean over rows is unbiased for the exact
// ELBO (Σ_{l<L} of F_l and F_{L−l} cover the same sizes); the complement makes the two halves of a
// pair negatively correlated, which lowers the variance (measured in test_sampler_elbo.cpp).
// The paper's exact mask-size law for its pairs is not established [S: "comp" scheme stands in].
// Deterministic in `seed`; UsageError unless K >= 2 is even and L, G >= 1.
torch::Tensor coupled_masks(std::int64_t L, std::int64_t G, std::int64_t K, std::uint64_t seed);
// Independent draws (l ~ U{1..L} and a uniform l-subset, iid per row): the uncoupled baseline.
torch::Tensor independent_masks(std::int64_t L, std::int64_t G, std::int64_t K, std::uint64_t seed);

// S(y_g | x) for the G completions of one prompt. completions [G, L] int64 (any device), masks
// [K, G, L] bool (every row masks at least one position). Returns [G] float32 on the model's device,
// differentiable w.r.t. the model's parameters when grad mode is on (one forward of G rows per k;
// log-softmax in float32 whatever the model dtype). CFG is not applied (training scores the plain
// conditional model).
torch::Tensor sequence_surrogate(const model::LLaDAModel& model, const std::vector<std::int64_t>& prompt,
                                 const torch::Tensor& completions, const torch::Tensor& masks, SurrogateWeight weight);

// Token log-probs log π(y_gi | x, y_g with masks[g] masked) at every completion position: [G, L]
// float32 on the model's device, differentiable. prompt_masks [G, P] (bool, optional) additionally
// masks prompt tokens (d1's one-pass estimator masks every completion token and 15% of the prompt).
torch::Tensor completion_token_logp(const model::LLaDAModel& model, const std::vector<std::int64_t>& prompt,
                                    const torch::Tensor& completions, const torch::Tensor& masks,
                                    const torch::Tensor& prompt_masks = {});

}  // namespace trafl::sampling
