#pragma once
// LoRA adapters on LLaDA's block projections (Hu et al. 2021, as PEFT implements them). Requires LibTorch.
//
//   y = x Wᵀ (+ b) + (α / r) · dropout(x) Aᵀ Bᵀ        A [r, in] ~ U(±1/√in) (PEFT's kaiming-uniform
//                                                     with a = √5), B [out, r] = 0
// so a fresh adapter leaves the model's outputs unchanged. The base weights are frozen; only A and B
// train. Dropout is active only while autograd records (training forwards), never in rollouts or
// no-grad scoring; its randomness comes from torch's global generator, which the trainer reseeds
// from (seed, step) before each step.
// Targets: q_proj, k_proj, v_proj, attn_out, ff_proj, up_proj, ff_out (LLaDA's names; PEFT configs
// written for Llama name o_proj / gate_proj / down_proj — those are accepted as aliases).
#include <torch/torch.h>

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "model/llada.hpp"

namespace trafl::training {

struct LoraOptions {
  std::int64_t rank = 8;
  double alpha = 16.0;
  double dropout = 0.0;
  std::vector<std::string> targets = {"q_proj", "k_proj", "v_proj", "attn_out", "ff_proj", "up_proj", "ff_out"};
};

// "q_proj" … (and the Llama aliases) -> the projection; UsageError naming the target otherwise.
model::Projection parse_lora_target(const std::string& name);
std::string projection_name(model::Projection p);

class LoraAdapter : public model::LinearAdapter {
 public:
  // Adapters for every block of `model`, on its device and dtype; A drawn from `seed`.
  LoraAdapter(const model::LLaDAModel& model, const LoraOptions& options, std::uint64_t seed);

  torch::Tensor adapt(std::int64_t layer, model::Projection projection, const torch::Tensor& x,
                      const torch::Tensor& y) const override;

  // "model.transformer.blocks.{i}.{module}.lora_A.weight" / ".lora_B.weight", in a fixed order.
  std::vector<std::pair<std::string, torch::Tensor>> named_parameters() const;
  std::vector<torch::Tensor> parameters() const;
  const LoraOptions& options() const { return options_; }
  double scale() const { return options_.alpha / static_cast<double>(options_.rank); }

  // W += (α/r)·B·A for every adapted projection of `model` (in place, no grad). Afterwards detach
  // the adapter from the model, or the update counts twice.
  void merge_into(const model::LLaDAModel& model) const;

 private:
  struct Pair {
    torch::Tensor a, b;  // [r, in], [out, r]; undefined when the projection is not a target
  };
  static constexpr int kProjections = 7;
  LoraOptions options_;
  std::vector<std::array<Pair, kProjections>> layers_;
};

}  // namespace trafl::training
