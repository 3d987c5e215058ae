#pragma once
// What a training run reports, and the torch-free way to start one with the default objective and
// reward (for callers that must not include LibTorch, such as the demo's --retrain).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

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
// after every step as it ends (the CLI streams its per-step lines with it).
TrainResult train_default(const TrainConfig& config, bool resume, std::function<void(const StepMetrics&)> on_step = {});

}  // namespace trafl::training
