#pragma once
// What a training run reports, and the torch-free way to start one with the default objective and
// reward (for callers that must not include LibTorch, such as the demo's --retrain).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "distributed/launch_env.hpp"
#include "training/train_config.hpp"
#include "training/training_log.hpp"

namespace trafl::training {

struct TrainResult {
  std::int64_t start_step = 0;  // steps already done when this call began (resume)
  std::int64_t end_step = 0;
  std::vector<StepMetrics> steps;  // the steps this call ran
  std::string out_dir;
  std::string last_checkpoint;
  std::int64_t examples = 0;       // training examples / prompts available
  std::int64_t truncated = 0;      // SFT responses cut to response_length
  std::vector<std::string> notes;  // things the user should know (truncation, bf16 on CPU, …)
};

// train(config, resume) with the default hooks (see trainer.hpp); on_step, when given, is called
// after every step as it ends (the CLI streams its per-step lines with it). With a distributed launch
// environment, first joins the job's ranks (c10d: Gloo on the CPU, NCCL with a cuda device), every
// collective waiting at most collective_timeout_s seconds.
TrainResult train_default(const TrainConfig& config, bool resume, std::function<void(const StepMetrics&)> on_step = {},
                          const distributed::LaunchEnv& env = {}, double collective_timeout_s = 300.0);

}  // namespace trafl::training
