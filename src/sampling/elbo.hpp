#pragma once
// The Monte Carlo ELBO of log p(answer | prompt) for LLaDA (../shared/docs/dllm-engine.md §3.1,
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

}  // namespace trafl::sampling
