#pragma once
// The training loop: SFT (masked-diffusion loss) or RL post-training with one of the objectives,
// AdamW with warm-up + constant/cosine schedule, gradient clipping, gradient accumulation (SFT),
// full fine-tuning or LoRA, atomic checkpoints with exact resume, per-step metrics. Requires LibTorch.
//
// One SFT step: grad_accum micro-batches of `batch` examples (data order: a fresh shuffle per epoch,
// a function of (seed, epoch)); each micro-batch's masking noise is a function of (seed, step, micro).
// One RL step (objective.hpp): `batch` prompts (same data order) -> G rollouts each (diffusion sampler,
// or left-to-right when the objective asks; noise keys (seed, step) x (prompt index, g)) -> rewards ->
// objective.prepare (no grad) -> inner_iterations() x [loss averaged over groups (one backward per
// group, so only one group's graph is alive), clip, AdamW step]. The frozen reference is the starting
// checkpoint loaded a second time (full fine-tuning) or the same base weights without the adapters (LoRA).
// Before each step torch's global generator is reseeded from (seed, step) (LoRA dropout, objectives that
// draw from it), so a resumed run repeats the uninterrupted one exactly on the CPU.
#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model/config.hpp"
#include "training/objective.hpp"
#include "training/rewards.hpp"
#include "training/train_config.hpp"
#include "training/train_result.hpp"
#include "training/training_log.hpp"

namespace trafl::training {

using ObjectiveFactory =
    std::function<std::unique_ptr<Objective>(const std::string& name, const nlohmann::json& options,
                                             const model::ModelConfig& config)>;

struct TrainHooks {
  ObjectiveFactory make_objective;  // default: the registry's make_objective
  std::function<std::unique_ptr<RewardFunction>()> make_reward;  // default: make_reward(config.reward, task, …)
  std::function<void(const StepMetrics&)> on_step;
  std::int64_t stop_after_step = 0;  // > 0: return right after this step with no further save (a crash, for tests)
};

// Runs (or with `resume`, continues from OUT/latest) the configured training. Config errors are
// UsageError / InputError. With `resume` and no checkpoint yet, starts from scratch.
TrainResult train(const TrainConfig& config, bool resume, const TrainHooks& hooks = {});

}  // namespace trafl::training
