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
//
// Data parallelism (hooks.comm with N ranks; N must divide `batch`): every rank holds the whole model
// and optimiser and takes rows [rank·B/N, (rank+1)·B/N) of each global batch — SFT sequences (the
// micro-batch's noise is drawn for all B rows and sliced, so each row's noise is the one-process one),
// or RL prompts with all G of their rollouts (whole groups: r̄, std and leave-one-out means are
// exact; the sampler's noise is keyed per (prompt, g), so rollouts do not depend on N). Each rank's
// loss is weighted by its share (rows / B), the gradients of every trainable tensor (LoRA adapters,
// TraFL's log Z head included) are summed over ranks in buckets (distributed/grad_sync.hpp), and
// then every rank clips and steps identically. Rewards are all-gathered (reported statistics,
// JustGRPO's rounds); loss, KL, grad norm and the objective's statistics are global; per-rank
// seconds go into the step's stats (rank<r>_rollout_s, rank<r>_update_s, rank<r>_comm_s). Rank 0
// alone creates OUT/init, writes checkpoints, the run database and the final model; the others wait
// at a barrier. The data position and RNG are functions of (seed, step, global sample index), so a
// checkpoint resumes at any N that divides the batch. Not layout-independent: LoRA dropout masks
// (drawn from torch's generator over each rank's rows) — with lora_dropout > 0, N ranks train
// correctly but not identically to one.
#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "distributed/communicator.hpp"
#include "model/config.hpp"
#include "training/objective.hpp"
#include "training/rewards.hpp"
#include "training/train_config.hpp"
#include "training/train_result.hpp"
#include "training/training_log.hpp"

namespace trafl::training {

using ObjectiveFactory = std::function<std::unique_ptr<Objective>(
    const std::string& name, const nlohmann::json& options, const model::ModelConfig& config)>;

struct TrainHooks {
  ObjectiveFactory make_objective;                               // default: the registry's make_objective
  std::function<std::unique_ptr<RewardFunction>()> make_reward;  // default: make_reward(config.reward, task, …)
  std::function<void(const StepMetrics&)> on_step;
  std::int64_t stop_after_step = 0;  // > 0: return right after this step with no further save (a crash, for tests)
  // The job's ranks (distributed/communicator.hpp); null = one process. See "Data parallelism" above.
  std::shared_ptr<distributed::Communicator> comm;
};

// Runs (or with `resume`, continues from OUT/latest) the configured training. Config errors are
// UsageError / InputError. With `resume` and no checkpoint yet, starts from scratch.
TrainResult train(const TrainConfig& config, bool resume, const TrainHooks& hooks = {});

}  // namespace trafl::training
