// The model's two generic attention implementations (attention.hpp).
#include "model/attention.hpp"

#include <torch/torch.h>  // a LibTorch unit (CMakeLists.txt selects them by this line)

#include <limits>
#include <stdexcept>

#include "model/torch_compat.hpp"

namespace trafl::model {

namespace {

// Grouped-query attention: each of the Hkv key/value heads serves H / Hkv query heads.
void expand_kv_heads(std::int64_t H, torch::Tensor& k, torch::Tensor& v) {
  const std::int64_t Hkv = k.size(1);
  if (Hkv == H) return;
  k = k.repeat_interleave(H / Hkv, 1);
  v = v.repeat_interleave(H / Hkv, 1);
}

}  // namespace

torch::Tensor manual_attention(const torch::Tensor& q, torch::Tensor k, torch::Tensor v, const torch::Tensor& bias) {
  const std::int64_t B = q.size(0), H = q.size(1), L = q.size(2), hd = q.size(3);
  expand_kv_heads(H, k, v);
  torch::Tensor scores = torch::matmul(q, k.transpose(-2, -1)).to(torch::kFloat32);  // [B, H, L, Lk]
  if (bias.defined()) scores = scores + bias;
  const torch::Tensor att = torch::matmul(torch::softmax(scores, -1).to(v.scalar_type()), v);  // [B, H, L, hd]
  return att.transpose(1, 2).reshape({B, L, H * hd});
}

bool fused_attention_available() { return TRAFL_TORCH_HAS_SDPA != 0; }

torch::Tensor fused_attention(const torch::Tensor& q, torch::Tensor k, torch::Tensor v, const torch::Tensor& bias) {
#if TRAFL_TORCH_HAS_SDPA
  const std::int64_t B = q.size(0), H = q.size(1), L = q.size(2), hd = q.size(3);
  expand_kv_heads(H, k, v);
  torch::Tensor mask;  // additive, in q's dtype (the kernels require it), [B, 1, 1, Lk]
  if (bias.defined()) {
    // The fp32 lowest would overflow to -inf in f16/bf16, and a row whose keys are all padding would
    // then give NaN where the manual path gives a uniform average: use the dtype's own lowest.
    const double lowest = q.scalar_type() == torch::kHalf       ? -65504.0
                          : q.scalar_type() == torch::kBFloat16 ? -3.3895313892515355e38
                                                                : double(std::numeric_limits<float>::lowest());
    mask = torch::zeros(bias.sizes(), q.options()).masked_fill(bias.ne(0), lowest);
  }
  // q is already scaled, hence scale 1 (the default would scale by 1/sqrt(hd) again).
  const torch::Tensor att = at::scaled_dot_product_attention(
      q, k, v.to(q.scalar_type()), mask.defined() ? c10::optional<torch::Tensor>(mask) : c10::nullopt,
      /*dropout_p=*/0.0, /*is_causal=*/false, /*scale=*/1.0);
  return att.to(v.scalar_type()).transpose(1, 2).reshape({B, L, H * hd});  // [B, H, L, hd] -> [B, L, H*hd]
#else
  (void)q, (void)k, (void)v, (void)bias;
  throw std::logic_error("fused_attention: this LibTorch predates scaled_dot_product_attention with a scale (2.1)");
#endif
}

}  // namespace trafl::model
