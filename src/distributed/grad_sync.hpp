#pragma once
// Data-parallel gradients: after every rank's backward over its share of the batch, each trainable
// tensor's gradient becomes the sum over ranks. Requires LibTorch.
//
// The trainer weights each rank's loss by (its rows / the global batch), so the sum is the gradient
// of the global mean loss — the same quantity one process computes over the whole batch; only the
// order of the floating-point sums differs. Gradients travel in flat buckets of about
// `bucket_bytes` (fewer, larger messages); the buckets are all issued before any is waited on.
// A tensor that received no gradient on some rank counts as zero there; one that received none on
// any rank keeps an undefined gradient (so AdamW skips it, as it would in one process).
#include <torch/torch.h>

#include <cstddef>
#include <vector>

#include "distributed/communicator.hpp"

namespace trafl::distributed {

void sum_gradients(Communicator& comm, const std::vector<torch::Tensor>& params, std::size_t bucket_bytes = 25u << 20);

}  // namespace trafl::distributed
