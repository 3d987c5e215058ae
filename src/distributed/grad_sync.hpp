#pragma once
// Data-parallel gradients: after every rank's backward over its share of the batch, each trainable
// tensor's gradient becomes the sum over ranks. Requires LibTorch.
//
// The trainer weights each rank's loss by (its rows / the global batch), so the sum is the gradient
// of the global mean loss — the same quantity one process computes over the whole batch; only the
// order of the floating-point sums differs.
//
// Overlap with backward (as PyTorch's DistributedDataParallel does): the tensors are laid out once in
// flat buckets of about `bucket_bytes`, in reverse order (backward produces the last layers' gradients
// first). Before the step's last backward the trainer arms the sum; a hook on each tensor sees its
// final gradient (what earlier backwards accumulated plus this one's) the moment autograd computes it,
// copies it into its bucket, and the bucket's all-reduce starts as soon as its last tensor is in,
// while backward goes on with the earlier layers. finish() completes the buckets no hook completed
// (tensors this backward did not reach), waits for all, and writes the sums back into .grad.
//
// A tensor that received no gradient on some rank counts as zero there; one that received none on
// any rank keeps an undefined gradient (so AdamW skips it, as it would in one process): each bucket
// carries one presence flag per tensor, summed with the gradients.
#include <torch/torch.h>

#include <cstddef>
#include <functional>
#include <vector>

#include "distributed/communicator.hpp"

namespace trafl::distributed {

class GradientAllReduce {
 public:
  // `params`: every trainable tensor, in the same order on every rank. Registers one hook per tensor
  // (inactive until arm()); the destructor removes them.
  GradientAllReduce(Communicator& comm, std::vector<torch::Tensor> params, std::size_t bucket_bytes = 25u << 20);
  ~GradientAllReduce();
  GradientAllReduce(const GradientAllReduce&) = delete;
  GradientAllReduce& operator=(const GradientAllReduce&) = delete;

  // Call right before the step's last backward (world size 1: nothing to do).
  void arm();
  // Call after that backward: every tensor's .grad is then the sum over ranks. Returns the seconds
  // spent here (the communication backward did not hide). Also correct without arm() (nothing
  // overlapped then).
  double finish();

 private:
  struct Bucket {
    std::vector<std::size_t> members;   // indices into params_
    std::vector<std::int64_t> offsets;  // each member's first element in `flat`
    std::int64_t flags_at = 0;          // flat[flags_at + k]: member k had a gradient on this rank
    torch::Tensor flat;                 // [Σ numel + members], the params' dtype and device
    std::size_t pending = 0;            // members not yet copied in since arm()
    std::function<void()> wait;         // set once the bucket's all-reduce has started
  };
  void ready(std::size_t param, const torch::Tensor& grad);
  // Member k's slot := final_grad (+ earlier, when defined); undefined final_grad = absent (zeros, flag 0).
  void copy_in(Bucket& b, std::size_t k, const torch::Tensor& final_grad, const torch::Tensor& earlier = {});
  void start(Bucket& b);

  Communicator& comm_;
  std::vector<torch::Tensor> params_;
  std::vector<Bucket> buckets_;
  std::vector<std::pair<std::size_t, std::size_t>> slot_;  // param -> (bucket, member index)
  std::vector<unsigned> hooks_;
  std::vector<char> seen_;  // this backward's hook has copied the param in
  bool armed_ = false;
};

}  // namespace trafl::distributed
