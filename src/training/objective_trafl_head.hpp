#pragma once
// TraFL's learned prompt-dependent normalisation log Z_φ(x) [P: "a learned prompt-dependent
// normalization"]. Architecture [B, FlowRL ProjZModule; the TraFL head itself is unknown, G]:
//   features = mean over prompt positions of the policy's final hidden states   [D]
//   (Linear(D→H) → GELU → LayerNorm(H)) × (layers − 1) → Linear(H→1)            -> scalar
// FlowRL's dropout (0.1) is left out so that a step is deterministic in its seed [G]. The last
// layer starts at zero, so log Z starts at 0 [G]. float32 on the policy's device. Requires LibTorch.
#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace trafl::training {

class LogZHead {
 public:
  LogZHead() = default;
  // in_dim = D, hidden = H, layers >= 1 (1 = a single linear map). Weights from `seed`.
  LogZHead(std::int64_t in_dim, std::int64_t hidden, std::int64_t layers, std::uint64_t seed, torch::Device device);
  // features [D] or [B, D] -> log Z [] or [B] (float32).
  torch::Tensor forward(const torch::Tensor& features) const;
  std::vector<torch::Tensor> parameters() const;
  // "log_z.<i>.weight" / "log_z.<i>.bias" / "log_z.<i>.norm_weight" / "log_z.<i>.norm_bias".
  std::map<std::string, torch::Tensor> state() const;
  // Copies the tensors in; UsageError naming a missing or mis-shaped entry.
  void load_state(const std::map<std::string, torch::Tensor>& state);

 private:
  struct Layer {
    torch::Tensor weight, bias, norm_weight, norm_bias;  // norm_* undefined on the last layer
  };
  std::vector<Layer> layers_;
};

}  // namespace trafl::training
