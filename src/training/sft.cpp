// Masked-diffusion SFT loss (see sft.hpp).
#include "training/sft.hpp"

#include <torch/torch.h>  // a LibTorch unit (CMakeLists.txt selects them by this line)

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>

namespace trafl::training {

SftBatch make_sft_batch(const std::vector<const TokenizedExample*>& examples, std::int64_t pad_id) {
  SftBatch b;
  const auto B = static_cast<std::int64_t>(examples.size());
  b.response_len = static_cast<std::int64_t>(examples.at(0)->response.size());
  for (const TokenizedExample* e : examples) b.prompt_len = std::max<std::int64_t>(b.prompt_len, e->prompt.size());
  const std::int64_t L = b.prompt_len + b.response_len;
  b.ids = torch::full({B, L}, pad_id, torch::kLong);
  torch::Tensor keep = torch::ones({B, L}, torch::kBool);
  auto ids = b.ids.accessor<std::int64_t, 2>();
  auto k = keep.accessor<bool, 2>();
  bool padded = false;
  for (std::int64_t r = 0; r < B; ++r) {
    const TokenizedExample& e = *examples[r];
    TORCH_CHECK(static_cast<std::int64_t>(e.response.size()) == b.response_len,
                "make_sft_batch: responses differ in length");
    const std::int64_t pad = b.prompt_len - static_cast<std::int64_t>(e.prompt.size());
    for (std::int64_t j = 0; j < pad; ++j) k[r][j] = false;
    padded = padded || pad > 0;
    for (std::size_t j = 0; j < e.prompt.size(); ++j) ids[r][pad + static_cast<std::int64_t>(j)] = e.prompt[j];
    for (std::int64_t j = 0; j < b.response_len; ++j) ids[r][b.prompt_len + j] = e.response[j];
  }
  if (padded) b.attention = keep;
  return b;
}

SftNoise draw_sft_noise(std::int64_t batch, std::int64_t response_len, std::uint64_t seed) {
  at::Generator gen = at::detail::createCPUGenerator(seed);
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  SftNoise n;
  n.t = 1.0 - torch::rand({batch}, gen, f64);  // (0, 1]
  n.u = torch::rand({batch, response_len}, gen, f64);
  return n;
}

torch::Tensor masked_diffusion_loss(const torch::Tensor& logits, const torch::Tensor& targets,
                                    const torch::Tensor& masked, const torch::Tensor& p_mask) {
  const std::int64_t B = logits.size(0), R = logits.size(1), V = logits.size(2);
  torch::Tensor ce = torch::nn::functional::cross_entropy(
                         logits.reshape({B * R, V}).to(torch::kFloat32), targets.reshape({B * R}).to(logits.device()),
                         torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone))
                         .view({B, R});  // [B, R]
  torch::Tensor w =
      masked.to(logits.device(), torch::kFloat32) / p_mask.to(logits.device(), torch::kFloat32).view({B, 1});
  return (ce * w).sum() / static_cast<double>(B * R);
}

SftLoss sft_loss(const model::LLaDAModel& model, const SftBatch& batch, const SftNoise& noise, double eps) {
  const std::int64_t P = batch.prompt_len, R = batch.response_len;
  torch::Tensor p_mask = (1.0 - eps) * noise.t + eps;    // [B] f64
  torch::Tensor masked = noise.u < p_mask.unsqueeze(1);  // [B, R]
  torch::Tensor targets = batch.ids.narrow(1, P, R);     // [B, R]
  torch::Tensor noisy = batch.ids.clone();
  noisy.narrow(1, P, R).masked_fill_(masked, model.config().mask_token_id);
  torch::Tensor logits = model.forward(noisy, batch.attention, P, R);  // [B, R, V]
  SftLoss out;
  out.loss = masked_diffusion_loss(logits, targets, masked, p_mask);
  out.masked_tokens = masked.sum().item<std::int64_t>();
  return out;
}

}  // namespace trafl::training
