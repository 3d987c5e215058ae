// Counter-based uniform noise (see noise.hpp).
#include "sampling/noise.hpp"

#include <torch/torch.h>  // a LibTorch unit (CMakeLists.txt selects them by this line)

namespace trafl::sampling {
namespace {

// mix64's multipliers, for the tensor form.
constexpr std::uint64_t kMul1 = 0xbf58476d1ce4e5b9ULL;
constexpr std::uint64_t kMul2 = 0x94d049bb133111ebULL;
constexpr double kTwoPowMinus53 = 1.0 / 9007199254740992.0;

std::int64_t as_i64(std::uint64_t v) { return static_cast<std::int64_t>(v); }

// Logical right shift of int64 tensors (>> is arithmetic on signed values).
torch::Tensor lsr(const torch::Tensor& z, int s) { return z.__rshift__(s).bitwise_and(as_i64((1ULL << (64 - s)) - 1)); }

}  // namespace

torch::Tensor counter_uniform_tensor_ops(const torch::Tensor& keys, const torch::Tensor& first, std::int64_t n) {
  const std::int64_t B = keys.size(0);
  const torch::Tensor counters = first.view({B, 1}) + torch::arange(n, first.options()).view({1, n});  // [B, n]
  torch::Tensor z = counters.mul(as_i64(kGoldenGamma)).add_(keys.view({B, 1}));
  // splitmix64's finaliser, in place (one buffer instead of one per operation on [B, n]).
  z.bitwise_xor_(lsr(z, 30)).mul_(as_i64(kMul1));
  z.bitwise_xor_(lsr(z, 27)).mul_(as_i64(kMul2));
  z.bitwise_xor_(lsr(z, 31));
  return lsr(z, 11).to(torch::kFloat64).add_(0.5).mul_(kTwoPowMinus53);
}

torch::Tensor counter_uniform(const torch::Tensor& keys, const torch::Tensor& first, std::int64_t n) {
  if (!keys.is_cpu()) return counter_uniform_tensor_ops(keys, first, n);
  // ~17 tensor passes over [B, n] int64 become one: at the tiny model's vocabulary (264) the tensor
  // form was a visible share of a sampler step at batch 1, and at LLaDA's (126,464) it is ~4M
  // elements per row and step.
  const std::int64_t B = keys.size(0);
  const torch::Tensor k = keys.to(torch::kLong).contiguous(), f = first.to(torch::kLong).contiguous();
  torch::Tensor out = torch::empty({B, n}, torch::TensorOptions().dtype(torch::kFloat64));
  const std::int64_t* kp = k.data_ptr<std::int64_t>();
  const std::int64_t* fp = f.data_ptr<std::int64_t>();
  double* o = out.data_ptr<double>();
  for (std::int64_t r = 0; r < B; ++r) {
    const std::uint64_t key = static_cast<std::uint64_t>(kp[r]);
    std::uint64_t c = static_cast<std::uint64_t>(fp[r]);
    double* row = o + r * n;
    for (std::int64_t i = 0; i < n; ++i, ++c) {
      row[i] = (static_cast<double>(mix64(c * kGoldenGamma + key) >> 11) + 0.5) * kTwoPowMinus53;
    }
  }
  return out;
}

}  // namespace trafl::sampling
