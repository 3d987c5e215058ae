// Bucketed gradient all-reduce (see grad_sync.hpp).
#include "distributed/grad_sync.hpp"

#include <torch/torch.h>  // a LibTorch unit (CMakeLists.txt selects them by this line)

namespace trafl::distributed {

void sum_gradients(Communicator& comm, const std::vector<torch::Tensor>& params, std::size_t bucket_bytes) {
  if (comm.world_size() == 1 || params.empty()) return;
  // Which tensors have a gradient anywhere: one small collective so every rank buckets the same set.
  torch::Tensor has = torch::zeros({static_cast<std::int64_t>(params.size())}, torch::kFloat32);
  for (std::size_t i = 0; i < params.size(); ++i)
    if (params[i].grad().defined()) has[static_cast<std::int64_t>(i)] = 1.0f;
  std::vector<torch::Tensor> flags{has};
  comm.all_reduce_sum(flags, "gradient presence");
  const auto any = flags[0].accessor<float, 1>();

  torch::NoGradGuard no_grad;
  std::vector<std::vector<torch::Tensor>> buckets(1);  // each bucket: grads of one dtype/device
  std::size_t filled = 0;
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (any[static_cast<std::int64_t>(i)] == 0.0f) continue;
    torch::Tensor p = params[i];
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    const torch::Tensor& g = p.grad();
    const std::vector<torch::Tensor>& open = buckets.back();
    const bool same_kind =
        open.empty() || (open.front().scalar_type() == g.scalar_type() && open.front().device() == g.device());
    if (!open.empty() && (!same_kind || filled + g.nbytes() > bucket_bytes)) {
      buckets.emplace_back();
      filled = 0;
    }
    buckets.back().push_back(g);
    filled += g.nbytes();
  }
  std::vector<torch::Tensor> flat;
  for (const auto& b : buckets) {
    if (b.empty()) continue;
    std::vector<torch::Tensor> views;
    for (const torch::Tensor& g : b) views.push_back(g.reshape({-1}));
    flat.push_back(torch::cat(views));
  }
  comm.all_reduce_sum(flat, "gradient all-reduce");
  std::size_t k = 0;
  for (const auto& b : buckets) {
    if (b.empty()) continue;
    std::int64_t offset = 0;
    for (torch::Tensor g : b) {
      g.copy_(flat[k].narrow(0, offset, g.numel()).view_as(g));
      offset += g.numel();
    }
    ++k;
  }
}

}  // namespace trafl::distributed
