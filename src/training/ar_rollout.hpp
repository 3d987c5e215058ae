#pragma once
// Left-to-right (autoregressive-order) use of a masked diffusion LM, for JustGRPO
// (docs/method.md §3.4 [B]): the dLLM is treated as an AR policy whose
// token t is predicted from [prompt, y_<t, MASK × (L − t)] at position P + t. Requires LibTorch.
#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "model/llada.hpp"
#include "sampling/llada_sampler.hpp"

namespace trafl::training {

struct ArRolloutOptions {
  std::int64_t gen_length = 256;  // tokens generated per completion (all of them: EOS padding included)
  double temperature = 1.0;       // sampling temperature; 0 = argmax
  std::uint64_t seed = 0;
};

struct ArRollout {
  std::vector<std::int64_t> tokens;  // [gen_length]
  // log π(y_t | x, y_<t, future masked) under the model at temperature 1 (the policy the loss
  // differentiates), recorded exactly during the rollout: [gen_length].
  std::vector<double> logp;
};

// One completion per row: prompts[r] with keys[r]. One token per step, left to right, from the
// model's own logits (float64 softmax at `temperature`, then a categorical draw from a CPU generator
// seeded by sample_key(seed, key, stream 2)), so a sample depends only on (seed, problem, index) and
// never on its batch. Prompts of different lengths are left-padded (pad = config pad/eos id) with an
// attention mask. No grad. An empty prompt or one containing the mask id is a UsageError.
std::vector<ArRollout> rollout_left_to_right(const model::LLaDAModel& model,
                                             const std::vector<std::vector<std::int64_t>>& prompts,
                                             const std::vector<sampling::SampleKey>& keys,
                                             const ArRolloutOptions& options);

// Exact AR-order token log-probs of given completions [G, L] after one prompt: [G, L] float32 on the
// model's device, differentiable. G·L rows of length P + L (row (g, t) = [prompt, y_g,<t, MASK…]);
// `chunk_rows` rows per forward (0 = all at once). Only the one needed position of each row goes
// through the LM head.
torch::Tensor ar_token_logp(const model::LLaDAModel& model, const std::vector<std::int64_t>& prompt,
                            const torch::Tensor& completions, std::int64_t chunk_rows = 0);

}  // namespace trafl::training
