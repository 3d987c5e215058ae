#pragma once
// LLaDA's masked-diffusion SFT loss (docs/method.md §3.5; LLaDA GUIDELINES.md). Requires LibTorch.
//
// Per sequence b: t_b ~ U(0, 1], p_b = (1 - eps)·t_b + eps (eps = 1e-3); each response token is
// replaced by [MASK] independently with probability p_b; the prompt is never masked. Then
//   loss = (1/B) Σ_b (1/R) Σ_{j masked} CE(logits_bj, y_bj) / p_b
// with R the answer length *including its EOS padding* (LLaDA divides by answer_len, which counts
// the padding; here every row has the same R because responses are EOS-padded to a fixed length).
// It is an unbiased estimate of the negative ELBO per answer token.
#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "model/llada.hpp"
#include "training/sft_data.hpp"

namespace trafl::training {

// A micro-batch in the sampler's layout: prompts left-padded (attention 0 on pads), then R response tokens.
struct SftBatch {
  torch::Tensor ids;              // [B, P + R] int64 (clean targets)
  torch::Tensor attention;        // [B, P + R] bool, false on left padding; undefined when no row is padded
  std::int64_t prompt_len = 0;    // P (padded)
  std::int64_t response_len = 0;  // R
};
SftBatch make_sft_batch(const std::vector<const TokenizedExample*>& examples, std::int64_t pad_id);

// The random draws of one micro-batch (CPU, float64): t [B] in (0, 1] and u [B, R] in [0, 1).
// A response token is masked when u < p_mask. Deterministic in `seed`.
struct SftNoise {
  torch::Tensor t;
  torch::Tensor u;
};
SftNoise draw_sft_noise(std::int64_t batch, std::int64_t response_len, std::uint64_t seed);

// The loss from logits [B, R, V] of the response positions, targets [B, R], masked [B, R] (bool) and
// p_mask [B]: (1/B) Σ_b (1/R) Σ_j masked·CE/p_b. CE in float32. A scalar.
torch::Tensor masked_diffusion_loss(const torch::Tensor& logits, const torch::Tensor& targets,
                                    const torch::Tensor& masked, const torch::Tensor& p_mask);

struct SftLoss {
  torch::Tensor loss;  // scalar, differentiable
  std::int64_t masked_tokens = 0;
};
// Noises the batch with `noise`, runs the model (logits for the response slice only) and returns the loss.
SftLoss sft_loss(const model::LLaDAModel& model, const SftBatch& batch, const SftNoise& noise, double eps);

}  // namespace trafl::training
