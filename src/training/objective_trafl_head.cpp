// log Z_φ head (see objective_trafl_head.hpp).
#include "training/objective_trafl_head.hpp"

#include <torch/torch.h>  // a LibTorch unit (CMakeLists.txt selects them by this line)

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"

namespace trafl::training {

LogZHead::LogZHead(std::int64_t in_dim, std::int64_t hidden, std::int64_t layers, std::uint64_t seed,
                   torch::Device device) {
  TORCH_CHECK(in_dim > 0 && hidden > 0 && layers >= 1, "LogZHead: sizes must be positive");
  at::Generator gen = at::detail::createCPUGenerator(seed);
  const auto f32 = torch::TensorOptions().dtype(torch::kFloat32);
  std::int64_t in = in_dim;
  for (std::int64_t i = 0; i < layers; ++i) {
    const bool last = i + 1 == layers;
    const std::int64_t out = last ? 1 : hidden;
    Layer l;
    if (last) {
      l.weight = torch::zeros({out, in}, f32);
    } else {
      // nn.Linear's default: U(−1/√in, 1/√in) for weight and bias.
      const double bound = 1.0 / std::sqrt(static_cast<double>(in));
      l.weight = torch::empty({out, in}, f32).uniform_(-bound, bound, gen);
      l.norm_weight = torch::ones({out}, f32).to(device).requires_grad_(true);
      l.norm_bias = torch::zeros({out}, f32).to(device).requires_grad_(true);
    }
    l.bias = torch::zeros({out}, f32);
    l.weight = l.weight.to(device).requires_grad_(true);
    l.bias = l.bias.to(device).requires_grad_(true);
    layers_.push_back(std::move(l));
    in = out;
  }
}

torch::Tensor LogZHead::forward(const torch::Tensor& features) const {
  TORCH_CHECK(!layers_.empty(), "LogZHead: not initialised");
  torch::Tensor h = features.to(layers_[0].weight.device(), torch::kFloat32);
  for (const Layer& l : layers_) {
    h = torch::linear(h, l.weight, l.bias);
    if (l.norm_weight.defined()) h = torch::layer_norm(torch::gelu(h), {h.size(-1)}, l.norm_weight, l.norm_bias, 1e-5);
  }
  return h.squeeze(-1);
}

std::vector<torch::Tensor> LogZHead::parameters() const {
  std::vector<torch::Tensor> p;
  for (const Layer& l : layers_)
    for (const torch::Tensor* t : {&l.weight, &l.bias, &l.norm_weight, &l.norm_bias})
      if (t->defined()) p.push_back(*t);
  return p;
}

std::map<std::string, torch::Tensor> LogZHead::state() const {
  std::map<std::string, torch::Tensor> s;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const Layer& l = layers_[i];
    const std::string p = fmt::format("log_z.{}.", i);
    s[p + "weight"] = l.weight.detach();
    s[p + "bias"] = l.bias.detach();
    if (l.norm_weight.defined()) {
      s[p + "norm_weight"] = l.norm_weight.detach();
      s[p + "norm_bias"] = l.norm_bias.detach();
    }
  }
  return s;
}

void LogZHead::load_state(const std::map<std::string, torch::Tensor>& state) {
  torch::NoGradGuard no_grad;
  for (const auto& [name, dst] : this->state()) {
    auto it = state.find(name);
    if (it == state.end()) throw UsageError(fmt::format("TraFL state: '{}' is missing", name));
    if (it->second.sizes() != dst.sizes())
      throw UsageError(fmt::format("TraFL state: '{}' has shape {} (expected {})", name, c10::str(it->second.sizes()),
                                   c10::str(dst.sizes())));
    torch::Tensor target = dst;  // shares storage with the parameter
    target.copy_(it->second);
  }
}

}  // namespace trafl::training
