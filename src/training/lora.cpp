// LoRA adapters (see lora.hpp).
#include "training/lora.hpp"

#include <torch/torch.h>  // a LibTorch unit (CMakeLists.txt selects them by this line)

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>

#include <cmath>
#include <map>

#include "core/error.hpp"

namespace trafl::training {

using model::Projection;

model::Projection parse_lora_target(const std::string& name) {
  if (name == "q_proj") return Projection::kQProj;
  if (name == "k_proj") return Projection::kKProj;
  if (name == "v_proj") return Projection::kVProj;
  if (name == "attn_out" || name == "o_proj") return Projection::kAttnOut;
  if (name == "ff_proj" || name == "gate_proj") return Projection::kFfProj;
  if (name == "up_proj") return Projection::kUpProj;
  if (name == "ff_out" || name == "down_proj") return Projection::kFfOut;
  throw UsageError(
      fmt::format("lora target '{}' (expected q_proj, k_proj, v_proj, attn_out, ff_proj, up_proj or ff_out)", name));
}

std::string projection_name(model::Projection p) {
  static const char* names[] = {"q_proj", "k_proj", "v_proj", "attn_out", "ff_proj", "up_proj", "ff_out"};
  return names[static_cast<int>(p)];
}

namespace {
// [out, in] of a projection: the base weight's shape.
std::string weight_name(std::int64_t layer, Projection p) {
  return fmt::format("model.transformer.blocks.{}.{}.weight", layer, projection_name(p));
}
}  // namespace

LoraAdapter::LoraAdapter(const model::LLaDAModel& model, const LoraOptions& options, std::uint64_t seed)
    : options_(options) {
  if (options.rank <= 0) throw UsageError("lora: rank must be positive");
  std::array<bool, kProjections> target{};
  for (const std::string& t : options.targets) target[static_cast<int>(parse_lora_target(t))] = true;
  std::map<std::string, torch::Tensor> base;
  for (auto& [name, w] : model.named_parameters()) base[name] = w;
  at::Generator gen = at::detail::createCPUGenerator(seed);
  const auto opts = torch::TensorOptions().device(model.device()).dtype(model.dtype());
  layers_.resize(static_cast<std::size_t>(model.config().n_layers));
  for (std::int64_t i = 0; i < model.config().n_layers; ++i) {
    for (int p = 0; p < kProjections; ++p) {
      if (!target[p]) continue;
      const torch::Tensor& w = base.at(weight_name(i, static_cast<Projection>(p)));
      const std::int64_t out = w.size(0), in = w.size(1);
      const double bound = 1.0 / std::sqrt(static_cast<double>(in));
      Pair& pair = layers_[i][p];
      pair.a =
          torch::empty({options.rank, in}, torch::kFloat32).uniform_(-bound, bound, gen).to(opts).requires_grad_(true);
      pair.b = torch::zeros({out, options.rank}, opts).requires_grad_(true);
    }
  }
}

torch::Tensor LoraAdapter::adapt(std::int64_t layer, Projection projection, const torch::Tensor& x,
                                 const torch::Tensor& y) const {
  const Pair& pair = layers_[static_cast<std::size_t>(layer)][static_cast<int>(projection)];
  if (!pair.a.defined()) return y;
  torch::Tensor in = x;
  if (options_.dropout > 0 && torch::GradMode::is_enabled()) in = torch::dropout(x, options_.dropout, /*train=*/true);
  return y + scale() * torch::linear(torch::linear(in, pair.a), pair.b);  // [.., out]
}

std::vector<std::pair<std::string, torch::Tensor>> LoraAdapter::named_parameters() const {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (std::size_t i = 0; i < layers_.size(); ++i)
    for (int p = 0; p < kProjections; ++p) {
      const Pair& pair = layers_[i][p];
      if (!pair.a.defined()) continue;
      const std::string stem =
          fmt::format("model.transformer.blocks.{}.{}", i, projection_name(static_cast<Projection>(p)));
      out.emplace_back(stem + ".lora_A.weight", pair.a);
      out.emplace_back(stem + ".lora_B.weight", pair.b);
    }
  return out;
}

std::vector<torch::Tensor> LoraAdapter::parameters() const {
  std::vector<torch::Tensor> out;
  for (auto& [name, t] : named_parameters()) out.push_back(t);
  return out;
}

void LoraAdapter::merge_into(const model::LLaDAModel& model) const {
  torch::NoGradGuard no_grad;
  std::map<std::string, torch::Tensor> base;
  for (auto& [name, w] : model.named_parameters()) base[name] = w;
  for (std::size_t i = 0; i < layers_.size(); ++i)
    for (int p = 0; p < kProjections; ++p) {
      const Pair& pair = layers_[i][p];
      if (!pair.a.defined()) continue;
      torch::Tensor w = base.at(weight_name(static_cast<std::int64_t>(i), static_cast<Projection>(p)));
      w.add_((torch::matmul(pair.b.to(torch::kFloat32), pair.a.to(torch::kFloat32)) * scale()).to(w.scalar_type()));
    }
}

}  // namespace trafl::training
