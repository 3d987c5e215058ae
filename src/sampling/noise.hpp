#pragma once
// Counter-based uniform noise for the sampler: every random number is a pure function of
// (row key, counter), so a sample's noise does not depend on its batch, shard or device
// (llada_sampler.hpp, "Reproducible per sample").
//   u(key, c) = (splitmix64_finaliser(c·γ + key) >> 11 + 0.5) / 2^53   (open interval (0, 1), 53 bits)
#include <torch/torch.h>

#include <cstdint>

namespace trafl::sampling {

inline constexpr std::uint64_t kGoldenGamma = 0x9e3779b97f4a7c15ULL;  // splitmix64's increment γ

// splitmix64's finaliser (a bijection of 64-bit words with good avalanche).
inline std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// keys [B] int64 (row keys), first [B] int64 -> [B, n] float64 with element (r, i) = u(keys[r], first[r] + i).
// CPU: one loop writing the result (same bits as the tensor form); other devices: the tensor form.
torch::Tensor counter_uniform(const torch::Tensor& keys, const torch::Tensor& first, std::int64_t n);

// The same numbers from tensor operations only (int64 arithmetic wraps like uint64): what runs on
// CUDA, kept callable on CPU so that a test holds the loop to it bit for bit.
torch::Tensor counter_uniform_tensor_ops(const torch::Tensor& keys, const torch::Tensor& first, std::int64_t n);

}  // namespace trafl::sampling
