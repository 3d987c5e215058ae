#pragma once
// LLaDA's sampler (docs/engine.md §5, LLaDA generate.py), batched, with per-sample
// reproducible noise and trajectory capture. Requires LibTorch (include from torch units only).
//
// Algorithm, per row (prompt left-padded to the batch's longest, attention mask = 0 on pads):
//   x = [prompt | G × MASK]; G = gen_length split into G/block_length blocks; steps/num_blocks steps each.
//   Block b: n = block_length masked positions; step i commits k_i = n/S + (i < n%S) tokens
//   (get_num_transfer_tokens). Each step: logits for the current block only (the only positions that
//   can be committed: earlier blocks are done, later ones are excluded with -inf confidence in the
//   reference) -> float64;
//     logits_eos_inf:          logits[eos] = -inf
//     T > 0:  noisy = exp(logits) / (-log u)^T   (Gumbel-max in float64, u ~ U(0,1));  T = 0: noisy = logits
//     x0 = argmax(noisy)
//     confidence_eos_eot_inf:  noisy[eos] = -inf and logits[eot] = -inf (at T = 0 both hit the one tensor,
//                              as in Python where they are the same object)
//     low_confidence: conf = softmax(logits)[x0] (float64, as app.py / Fast-dLLM); random: conf = u' ~ U(0,1)
//       confidence_dtype = Model: the softmax runs on the logits in the model's own dtype instead (the
//       same -inf fills applied), as LLaDA's eval_llada.py does with a bf16 model (no cast before
//       F.softmax). In bf16 near-equal probabilities round to the same value or swap, so the top-k
//       can commit other positions first (tests/test_sampler_confidence.cpp; docs/engine.md §5).
//     the k_i masked positions with the highest conf are committed to x0 (topk per row).
//   CFG (cfg_scale > 0): a second forward with the prompt (pads included) masked;
//     logits = un + (cfg_scale + 1)(cond - un), in the model dtype as in the reference.
//
// Randomness (the only deviation from torch.rand in the reference, same distribution): u is a
// counter-based hash — splitmix64 of (row key, step, position, vocab id) computed with int64 tensor
// ops on the model's device. The row key is mix(seed, problem, index). So a sample depends only on
// (seed, problem, index, prompt, options) — never on the batch it ran in, its row, its padding, or
// the device's RNG state — and CPU and CUDA draw the same noise.
//
// Fast mode (options.fast; Fast-dLLM, docs/engine.md §5), an APPROXIMATION of the above:
//   * confidence-threshold parallel decoding: each step still commits the schedule's k_i tokens
//     (top-k as above) and, in addition, every masked position of the current block whose model
//     probability softmax(logits)[x0] exceeds `threshold` (the probability, also under `random`
//     remasking). A block ends as soon as it has no mask left, so the number of steps varies per row;
//     a row's trajectory records its own step count and each token's actual step. With
//     threshold >= 1 nothing extra is committed and the schedule is exactly the exact mode's
//     (bit for bit without the cache, when steps per block <= block_length; tested). Fast-dLLM's
//     setting (at least one token per step, τ = 0.9) is steps = gen_length, threshold 0.9.
//   * prefix KV cache (prefix_cache): at the first step of each block the whole sequence runs and
//     the keys/values of everything before the block are kept; the block's later steps run only the
//     block and what follows it (Dream: from the position before the block, whose hidden state
//     predicts the block's first token), attending to the cached prefix. Attention is
//     bidirectional, so the true prefix K/V would change as the block fills in: the cached ones are
//     stale by the block's own progress — Fast-dLLM's approximation. Measured at T = 0 on a tiny
//     random model with a sharpened head (tests/test_sampler_fast.cpp, 24 prompts × 24 tokens): cache
//     alone keeps 65.5% of exact mode's tokens (0/24 samples identical); τ = 0.9 halves the steps
//     (24 -> 11.6 per sample) and keeps 43.6%. A random model is full of near-ties; on a trained model
//     the question is task accuracy at matched settings (not measured here).
//   The mask token itself is never predicted (its logit is -inf before the argmax), in both modes.
//   Per-sample reproducibility holds in fast mode too: the noise counter uses the row's own step
//   count, block starts refresh every row's cache, and a finished row waits unchanged.
//
// Batch independence of the logits (docs/reproducibility.md): on CPU in f32 with an inference pack
// (small models) the forward computes each row alone, so a sample is the same bits in any batch, at
// any padding and thread count; the per-row work here (f64 softmax, exp, log, pow, argmax, topk) is
// element- or row-wise and does not depend on the batch either. On the tensor path (large models,
// bf16/f16, CUDA) the batch's products can change a row's logits in the last bits, and a near-tie
// can then flip a token.
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "model/llada.hpp"
#include "sampling/trajectory.hpp"

namespace trafl::sampling {

enum class Remasking { kLowConfidence, kRandom };
Remasking parse_remasking(const std::string& name);  // "low_confidence" | "random"; UsageError otherwise

// The dtype of the low-confidence softmax: float64 (default; app.py, Fast-dLLM) or the logits' own
// dtype (eval_llada.py with a bf16 model).
enum class ConfidenceDtype { kFloat64, kModel };
ConfidenceDtype parse_confidence_dtype(const std::string& name);  // "f64" | "model"; UsageError otherwise

// softmax(logits)[x0] per position, computed in float64 or in logits' own dtype, returned as float64.
// logits [..., V] (any floating dtype, -inf fills already applied), x0 [...] int64 -> [...] float64.
torch::Tensor commit_confidence(const torch::Tensor& logits, const torch::Tensor& x0, ConfidenceDtype dtype);

struct SamplerOptions {
  std::int64_t gen_length = 128;
  std::int64_t steps = 128;
  std::int64_t block_length = 32;
  double temperature = 0.0;
  double cfg_scale = 0.0;
  Remasking remasking = Remasking::kLowConfidence;
  ConfidenceDtype confidence_dtype = ConfidenceDtype::kFloat64;
  bool logits_eos_inf = false;
  bool confidence_eos_eot_inf = false;
  std::int64_t mask_id = -1;  // required
  std::int64_t eos_id = -1;   // needed by the two EOS options
  std::int64_t eot_id = -1;   // needed by confidence_eos_eot_inf (ignored when < 0)
  std::int64_t pad_id = -1;   // left padding; defaults to eos_id, then 0 (never the mask id)
  std::uint64_t seed = 0;
  // Fast mode (see above): threshold decoding, and the prefix KV cache unless prefix_cache is false.
  bool fast = false;
  double threshold = 0.9;
  bool prefix_cache = true;
};

// Fills mask/eos/pad from the model config (mask_token_id, eos_token_ids[0], pad_token_id).
void fill_token_ids(SamplerOptions& options, const model::ModelConfig& config);

// UsageError unless gen_length % block_length == 0, steps % num_blocks == 0, all positive, mask_id set.
void validate(const SamplerOptions& options);

// get_num_transfer_tokens for one row: n masked, `steps` steps -> n/steps each, +1 for the first n%steps.
std::vector<std::int64_t> transfer_schedule(std::int64_t n, std::int64_t steps);

struct SampleKey {
  std::uint64_t problem = 0;
  std::uint64_t index = 0;
};
// The per-row 64-bit key of the counter-based noise (stream 0: Gumbel, 1: random remasking).
std::uint64_t sample_key(std::uint64_t seed, const SampleKey& key, std::uint64_t stream);

// One trajectory per row (prompts[r] with keys[r]); trajectory.tokens are the G generated tokens.
// Prompts may differ in length (left padding); a prompt containing mask_id is an InputError.
std::vector<Trajectory> sample(const model::LLaDAModel& model, const std::vector<std::vector<std::int64_t>>& prompts,
                               const std::vector<SampleKey>& keys, const SamplerOptions& options);

}  // namespace trafl::sampling
