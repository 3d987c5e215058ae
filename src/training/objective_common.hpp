#pragma once
// Small pieces the objectives share: a group's completions and rewards as tensors, per-group seeds,
// d1's prompt masks, the EOS-truncated token mask. Requires LibTorch.
#include <torch/torch.h>

#include <cstdint>
#include <string>

#include "model/llada.hpp"
#include "training/objective.hpp"

namespace trafl::training {

// completions [G, L] int64 on `device`; UsageError when the group is empty or lengths differ.
torch::Tensor completions_tensor(const RolloutGroup& group, torch::Device device);
// rewards [G] float32 on `device`; UsageError when the count differs from the completions'.
torch::Tensor rewards_tensor(const RolloutGroup& group, torch::Device device);
// A 64-bit seed for one group's draws in one step: depends on (step seed, problem id, group index,
// stream), never on the device RNG — so a resumed run redraws the same masks.
std::uint64_t group_seed(std::uint64_t step_seed, const RolloutGroup& group, std::size_t group_index,
                         std::uint64_t stream);
// The group's position in the whole batch: batch_index when the trainer set it, else its position
// in the `groups` that prepare() was given.
inline std::size_t batch_position(const RolloutGroup& group, std::size_t local_index) {
  return group.batch_index.value_or(local_index);
}
// d1's prompt perturbation: each prompt token masked iid with probability p: [G, P] bool (CPU).
torch::Tensor prompt_masks(std::int64_t G, std::int64_t P, double p, std::uint64_t seed);
// 1 up to and including the first EOS of each row, 0 after (d1's completion_mask): [G, L] float32.
// With eos_id < 0 every position counts.
torch::Tensor tokens_through_first_eos(const torch::Tensor& completions, std::int64_t eos_id);
// The config's first EOS id, or -1.
std::int64_t first_eos_id(const model::ModelConfig& config);

}  // namespace trafl::training
