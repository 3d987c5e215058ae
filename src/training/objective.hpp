#pragma once
// The post-training objectives behind one interface (TraFL, ESPO, JustGRPO, diffu-GRPO, wd1).
// Requires LibTorch (include from torch units only).
//
// One optimisation step of the trainer (src/training/trainer.*):
//   1. rollouts: for each prompt of the batch, G completions from the current policy (no grad), in
//      the order the objective asks for (diffusion sampler, or left-to-right for JustGRPO);
//   2. rewards from the reward function (graders; code in the sandbox);
//   3. objective.prepare(...) once: freeze whatever must be computed with the pre-update policy
//      ("old" log-likelihoods, reference scores, shared masks) — no grad;
//   4. inner_iterations() times: loss = mean over groups of objective.loss(...); backward; step.
// Gradients never flow through the sampling: completions are plain token ids.
#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/llada.hpp"
#include "sampling/trajectory.hpp"
#include "training/train_config.hpp"

namespace trafl::training {

// One prompt's rollouts. completions[g] are the generated tokens (gen_length ids, EOS-padded as
// the sampler leaves them); the prompt is never part of what is scored.
struct RolloutGroup {
  std::string problem_id;
  // Set by the trainer, which may hand prepare() only this rank's share of the batch: the group's
  // position in the step's whole batch (all ranks; per-group draws key on it, so a group draws the
  // same masks whichever rank holds it) and every group's rewards in batch order (for objectives
  // whose per-group terms depend on other groups: JustGRPO's rounds). Unset: `groups` is the
  // whole batch (batch_position, objective_common.hpp).
  std::optional<std::size_t> batch_index;
  std::shared_ptr<const std::vector<std::vector<double>>> batch_rewards;
  std::vector<std::int64_t> prompt;                    // [P] token ids (chat template applied)
  std::vector<std::vector<std::int64_t>> completions;  // G × [gen_length]
  std::vector<double> rewards;                         // [G]
  std::vector<sampling::Trajectory> trajectories;      // [G] for diffusion rollouts, else empty
  // Filled by Objective::prepare (no grad), read by Objective::loss: named per-group tensors,
  // e.g. "old_logp" [G], "ref_logp" [G], "masks" [K, G, L]. On the CPU or the policy's device.
  std::map<std::string, torch::Tensor> frozen;
};

enum class RolloutOrder {
  kDiffusion,    // the LLaDA sampler (src/sampling/llada_sampler.hpp)
  kLeftToRight,  // autoregressive order, one token per step (JustGRPO)
};

// Scalars an objective reports for the step (loss parts, KL, log Z, entropy proxy, clip fraction…).
// The trainer averages them over groups and inner iterations and stores them per step.
using StepStats = std::map<std::string, double>;

// Extra trainable tensors an objective owns (TraFL's log Z_φ head), with their own learning rate.
struct ParamGroup {
  std::string name;
  std::vector<torch::Tensor> params;
  double lr = 0.0;
};

class Objective {
 public:
  virtual ~Objective() = default;
  virtual std::string name() const = 0;
  virtual RolloutOrder rollout_order() const { return RolloutOrder::kDiffusion; }
  // Gradient steps per rollout batch (diffu-GRPO's μ; 1 for on-policy objectives).
  virtual int inner_iterations() const { return 1; }
  // Extra trainable parameters and their learning rate (empty for most objectives).
  virtual std::vector<ParamGroup> extra_parameter_groups() { return {}; }
  // Saved/restored with the training checkpoint (e.g. the log Z head's weights).
  virtual std::map<std::string, torch::Tensor> state() const { return {}; }
  virtual void load_state(const std::map<std::string, torch::Tensor>& state) {}

  // Once per rollout batch, before any update, under no-grad. `seed` is the step's seed: every random
  // draw (masks) derives from it, so a resumed run draws the same masks.
  virtual void prepare(const model::LLaDAModel& policy, const model::LLaDAModel& reference,
                       std::vector<RolloutGroup>& groups, std::uint64_t seed) {}

  // Differentiable scalar loss for one group (already averaged over its G completions); adds its
  // diagnostics to `stats`. `inner` is the inner-iteration index (0-based).
  virtual torch::Tensor loss(const model::LLaDAModel& policy, const model::LLaDAModel& reference,
                             const RolloutGroup& group, int inner, std::uint64_t seed, StepStats& stats) = 0;
};

// An objective of the registry (objectives.cpp: objective_names()) with that objective's options (a JSON object;
// an unknown key or a wrong type is an InputError naming the key). `hidden_size` sizes heads.
std::unique_ptr<Objective> make_objective(const std::string& name, const nlohmann::json& options,
                                          const model::ModelConfig& config);
// objective_names() and default_inner_iterations() are declared in training/train_config.hpp
// (torch-free, for the CLI and the demo recipe).

}  // namespace trafl::training
