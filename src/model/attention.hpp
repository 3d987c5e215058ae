#pragma once
// Scaled dot-product attention for the model's generic (autograd or non-CPU) path, twice: the manual
// matmul-softmax-matmul that is the reference, and LibTorch's fused scaled_dot_product_attention
// (LibTorch >= 2.1, see torch_compat.hpp), which the model uses on CUDA. A test compares the two.
//
// Shapes: q [B, H, L, hd] already scaled by 1/sqrt(hd); k, v [B, Hkv, Lk, hd] with H a multiple of
// Hkv (grouped-query attention); bias [B, 1, 1, Lk] fp32 key-padding bias (0 for a kept key, the
// lowest float for padding) or undefined. Result [B, L, H*hd] in v's dtype.
#include <torch/types.h>

namespace trafl::model {

// softmax(q k^T + bias) v with scores and softmax in fp32.
torch::Tensor manual_attention(const torch::Tensor& q, torch::Tensor k, torch::Tensor v, const torch::Tensor& bias);

// Whether this LibTorch has the fused attention (decided at compile time).
bool fused_attention_available();

// The same result through at::scaled_dot_product_attention: without padding the flash kernel is
// eligible, with padding the memory-efficient one (which takes an additive mask). Throws
// std::logic_error when !fused_attention_available().
torch::Tensor fused_attention(const torch::Tensor& q, torch::Tensor k, torch::Tensor v, const torch::Tensor& bias);

}  // namespace trafl::model
