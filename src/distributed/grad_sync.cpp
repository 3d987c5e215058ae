// Bucketed gradient all-reduce, overlapped with the last backward (see grad_sync.hpp).
#include "distributed/grad_sync.hpp"

#include <torch/torch.h>  // a LibTorch unit (CMakeLists.txt selects them by this line)

#include <chrono>

namespace trafl::distributed {

GradientAllReduce::GradientAllReduce(Communicator& comm, std::vector<torch::Tensor> params, std::size_t bucket_bytes)
    : comm_(comm), params_(std::move(params)) {
  if (comm_.world_size() == 1 || params_.empty()) return;
  slot_.resize(params_.size());
  seen_.assign(params_.size(), 0);
  // Reverse order: the buckets of the last layers fill first during backward. A bucket holds one
  // dtype and device (a flat buffer), and closes past bucket_bytes.
  std::size_t filled = 0;
  for (std::size_t n = params_.size(); n-- > 0;) {
    const torch::Tensor& p = params_[n];
    const bool same_kind = !buckets_.empty() &&
                           params_[buckets_.back().members.front()].scalar_type() == p.scalar_type() &&
                           params_[buckets_.back().members.front()].device() == p.device();
    if (buckets_.empty() || !same_kind || filled + p.nbytes() > bucket_bytes) {
      buckets_.emplace_back();
      filled = 0;
    }
    Bucket& b = buckets_.back();
    slot_[n] = {buckets_.size() - 1, b.members.size()};
    b.members.push_back(n);
    filled += p.nbytes();
  }
  for (Bucket& b : buckets_) {
    std::int64_t at = 0;
    for (std::size_t n : b.members) {
      b.offsets.push_back(at);
      at += params_[n].numel();
    }
    b.flags_at = at;
    const torch::Tensor& first = params_[b.members.front()];
    b.flat = torch::zeros({at + static_cast<std::int64_t>(b.members.size())}, first.options().requires_grad(false));
  }
  // The hook sees the gradient this backward computed for the tensor, before autograd adds it to .grad.
  for (std::size_t n = 0; n < params_.size(); ++n)
    hooks_.push_back(params_[n].register_hook([this, n](torch::Tensor g) { ready(n, g); }));
}

GradientAllReduce::~GradientAllReduce() {
  for (std::size_t n = 0; n < hooks_.size(); ++n) params_[n].remove_hook(hooks_[n]);
}

void GradientAllReduce::arm() {
  if (buckets_.empty()) return;
  for (Bucket& b : buckets_) {
    b.pending = b.members.size();
    b.wait = nullptr;
  }
  std::fill(seen_.begin(), seen_.end(), 0);
  armed_ = true;
}

void GradientAllReduce::copy_in(Bucket& b, std::size_t k, const torch::Tensor& final_grad,
                                const torch::Tensor& earlier) {
  torch::NoGradGuard no_grad;
  const torch::Tensor& p = params_[b.members[k]];
  torch::Tensor view = b.flat.narrow(0, b.offsets[k], p.numel());
  if (final_grad.defined()) {
    view.copy_(final_grad.reshape({-1}));
    if (earlier.defined()) view.add_(earlier.reshape({-1}));  // in the bucket: no temporary per tensor and step
    b.flat[b.flags_at + static_cast<std::int64_t>(k)] = 1;
  } else {
    view.zero_();
    b.flat[b.flags_at + static_cast<std::int64_t>(k)] = 0;
  }
}

void GradientAllReduce::start(Bucket& b) { b.wait = comm_.start_sum(b.flat, "gradient all-reduce"); }

void GradientAllReduce::ready(std::size_t n, const torch::Tensor& grad) {
  if (!armed_ || seen_[n]) return;  // only the armed backward; a tensor's hook runs once per backward
  seen_[n] = 1;
  const auto [bi, k] = slot_[n];
  Bucket& b = buckets_[bi];
  copy_in(b, k, grad, params_[n].grad());  // plus what earlier backwards of this step accumulated
  if (--b.pending == 0) start(b);
}

double GradientAllReduce::finish() {
  if (buckets_.empty()) return 0.0;
  const auto t0 = std::chrono::steady_clock::now();
  if (!armed_) arm();  // nothing overlapped: every bucket is filled and started below
  armed_ = false;
  for (Bucket& b : buckets_) {
    if (b.wait) continue;
    for (std::size_t k = 0; k < b.members.size(); ++k)
      if (!seen_[b.members[k]]) copy_in(b, k, params_[b.members[k]].grad());
    start(b);
  }
  torch::NoGradGuard no_grad;
  for (Bucket& b : buckets_) {
    b.wait();
    b.wait = nullptr;
    const torch::Tensor flags = b.flat.narrow(0, b.flags_at, static_cast<std::int64_t>(b.members.size())).cpu();
    for (std::size_t k = 0; k < b.members.size(); ++k) {
      torch::Tensor p = params_[b.members[k]];
      if (flags[static_cast<std::int64_t>(k)].item<double>() == 0.0) {
        p.mutable_grad() = torch::Tensor();  // no rank had a gradient: AdamW skips it, as in one process
        continue;
      }
      const torch::Tensor sum = b.flat.narrow(0, b.offsets[k], p.numel()).view_as(p);
      if (p.grad().defined())
        p.mutable_grad().copy_(sum);
      else
        p.mutable_grad() = sum.clone();
    }
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace trafl::distributed
