#pragma once
// Training checkpoints on disk. Requires LibTorch.
//
//   OUT/step-00000N/            one complete checkpoint per save:
//       config.json, model.safetensors   the policy in HF layout, in the model's dtype (full fine-tuning)
//       adapter.pt                       LoRA A/B tensors instead (LoRA; the base is train_config's model)
//       tokenizer.json, train_config.json
//       trainer_state.json               step, seed, method, examples seen (data position)
//       optimizer.pt                     AdamW moments and step counts (torch::save)
//       objective_state.pt               Objective::state() (e.g. TraFL's log Z head), when non-empty
//   OUT/latest                           "step-00000N": the newest complete checkpoint
//
// Atomicity: a checkpoint is written into OUT/.step-00000N.tmp, then renamed into place, then
// `latest` is replaced by write-to-temp + rename. A kill -9 at any instant leaves `latest` naming a
// complete checkpoint (or no `latest` at all before the first save); leftover .tmp directories are
// removed by the next save. The RNG needs no state: every draw is a function of (seed, step, …).
#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace trafl::training {

struct CheckpointContents {
  std::int64_t step = 0;         // optimiser steps completed
  nlohmann::json trainer_state;  // written as trainer_state.json (step is added)
  nlohmann::ordered_json train_config;
  std::string tokenizer_path;  // copied as tokenizer.json, with the chat template files beside it
  // Exactly one of: a function writing the model's HF files into a directory, or adapter tensors.
  std::function<void(const std::string& dir)> write_model;
  std::vector<std::pair<std::string, torch::Tensor>> adapter;
  torch::optim::Optimizer* optimizer = nullptr;
  std::map<std::string, torch::Tensor> objective_state;
};

// Copies tokenizer_path as to_dir/tokenizer.json, and the chat template files beside it where they exist
// (tok::kChatTemplateFiles), so `--chat` on the copy wraps prompts as the original does. A file that is
// already the target is left alone.
void copy_tokenizer_files(const std::string& tokenizer_path, const std::string& to_dir);

// Writes OUT/step-N atomically, updates OUT/latest, keeps the newest `keep` step directories.
// Returns the step directory.
std::string save_checkpoint(const std::string& out_dir, const CheckpointContents& contents, std::int64_t keep);

// The directory `OUT/latest` names, when it exists.
std::optional<std::string> latest_checkpoint(const std::string& out_dir);

// Tensors saved by name in a torch archive (adapter.pt, objective_state.pt).
void save_tensors(const std::string& path, const std::vector<std::pair<std::string, torch::Tensor>>& tensors);
// Reads the named tensors from such an archive into `into` (in place: same shapes, copied under no-grad).
void load_tensors_into(const std::string& path, const std::vector<std::pair<std::string, torch::Tensor>>& into);
std::map<std::string, torch::Tensor> load_tensors(const std::string& path, const std::vector<std::string>& names);

// Text file written to a temporary name and renamed over `path`.
void write_text_atomic(const std::string& path, const std::string& text);

}  // namespace trafl::training
