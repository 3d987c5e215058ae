// Shared helpers of the objectives (see objective_common.hpp).
#include "training/objective_common.hpp"

#include <torch/torch.h>  // a LibTorch unit (CMakeLists.txt selects them by this line)

#include <fmt/format.h>

#include <random>

#include "core/error.hpp"

namespace trafl::training {

namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

}  // namespace

torch::Tensor completions_tensor(const RolloutGroup& group, torch::Device device) {
  if (group.completions.empty()) throw UsageError(fmt::format("group '{}' has no completions", group.problem_id));
  const std::size_t L = group.completions[0].size();
  if (L == 0) throw UsageError(fmt::format("group '{}': empty completion", group.problem_id));
  std::vector<std::int64_t> flat;
  flat.reserve(group.completions.size() * L);
  for (const auto& c : group.completions) {
    if (c.size() != L)
      throw UsageError(
          fmt::format("group '{}': completions of different lengths ({} and {}); the objectives score "
                      "fixed-length (EOS-padded) completions",
                      group.problem_id, L, c.size()));
    flat.insert(flat.end(), c.begin(), c.end());
  }
  return torch::tensor(flat, torch::kLong)
      .view({static_cast<std::int64_t>(group.completions.size()), static_cast<std::int64_t>(L)})
      .to(device);
}

torch::Tensor rewards_tensor(const RolloutGroup& group, torch::Device device) {
  if (group.rewards.size() != group.completions.size())
    throw UsageError(fmt::format("group '{}': {} rewards for {} completions", group.problem_id, group.rewards.size(),
                                 group.completions.size()));
  return torch::tensor(group.rewards, torch::kFloat64).to(device, torch::kFloat32);
}

std::uint64_t group_seed(std::uint64_t step_seed, const RolloutGroup& group, std::size_t group_index,
                         std::uint64_t stream) {
  std::uint64_t h = splitmix64(step_seed);
  h = splitmix64(h ^ fnv1a(group.problem_id));
  h = splitmix64(h ^ static_cast<std::uint64_t>(group_index));
  return splitmix64(h ^ stream);
}

torch::Tensor prompt_masks(std::int64_t G, std::int64_t P, double p, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  torch::Tensor m = torch::zeros({G, P}, torch::kBool);
  auto a = m.accessor<bool, 2>();
  for (std::int64_t g = 0; g < G; ++g)
    for (std::int64_t j = 0; j < P; ++j) a[g][j] = u(rng) < p;
  return m;
}

torch::Tensor tokens_through_first_eos(const torch::Tensor& completions, std::int64_t eos_id) {
  const torch::Tensor ones = torch::ones(completions.sizes(), completions.options().dtype(torch::kFloat32));
  if (eos_id < 0) return ones;
  // Position j counts when no EOS occurs strictly before j: cumsum(is_eos) − is_eos == 0.
  const torch::Tensor is_eos = (completions == eos_id).to(torch::kLong);
  return ((is_eos.cumsum(1) - is_eos) == 0).to(torch::kFloat32);
}

std::int64_t first_eos_id(const model::ModelConfig& config) {
  return config.eos_token_ids.empty() ? -1 : config.eos_token_ids[0];
}

}  // namespace trafl::training
