#pragma once
// The fixed batch of the conformance check against independent Python references (issue 15 §3;
// tests/reference/README.md): a tiny LLaDA in three weight sets (θ_old for prepare, θ the policy being
// differentiated, the reference), three rollout groups, an SFT micro-batch, and the losses each of our
// training paths computes on them with their parameter gradients. Everything is a function of fixed
// seeds through our own hash (not torch's RNG), so the batch is the same on any LibTorch build.
// Requires LibTorch.
#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/llada.hpp"
#include "training/objective.hpp"
#include "training/sft.hpp"

namespace trafl::test {

struct ConformanceBatch {
  model::ModelConfig config;
  std::vector<model::LLaDAModel> models;  // [θ_old, θ, reference]
  std::vector<training::RolloutGroup> groups;
  training::SftBatch sft;
  training::SftNoise sft_noise;
  static constexpr double kSftEps = 1e-3;
  static constexpr std::uint64_t kObjectiveSeed = 1234;
  const model::LLaDAModel& old_policy() const { return models[0]; }
  const model::LLaDAModel& policy() const { return models[1]; }
  const model::LLaDAModel& reference() const { return models[2]; }
};
ConformanceBatch make_conformance_batch();

// One case's result: the loss the trainer would backpropagate (objectives: mean over the groups of
// objective.loss at inner iteration `inner`), extra values (the ELBO cases' per-completion S), and
// the gradients of θ's parameters (TraFL: also its log Z head, "log_z.*") — all float64 on the CPU.
struct CaseResult {
  double loss = 0.0;
  std::vector<double> values;
  std::map<std::string, torch::Tensor> grads;
  nlohmann::json inputs;  // what the Python side needs beyond the batch (masks, head weights, options)
};
// The case names, in a stable order: elbo, elbo_per_token, sft, trafl, espo, justgrpo, diffu-grpo, wd1.
std::vector<std::string> conformance_cases();
CaseResult run_conformance_case(ConformanceBatch& batch, const std::string& name);

// {"shape": [...], "data": [...]} of any tensor (bool and integer tensors as integers).
nlohmann::json tensor_json(const torch::Tensor& t);
// The batch itself (config, the three weight sets, groups, SFT batch and noise) for the Python side.
nlohmann::json conformance_batch_json(const ConformanceBatch& batch);

}  // namespace trafl::test
