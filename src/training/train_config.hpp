#pragma once
// Every knob of a training run, torch-free: defaults, a strict JSON reader (an unknown key or a
// wrong type is an InputError naming the key) and the resolved JSON written into the output
// directory as train_config.json, so that a checkpoint says exactly how it was made and a run can
// be repeated with `train --config OUT/train_config.json`.
//
// Precedence: defaults < a --preset's values (presets.hpp) < the --config file < command-line flags
// (the CLI turns the flags it saw into a JSON object with the same keys and applies it on top of
// the file; resolve_train_config in presets.hpp layers them).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "benchmarks/task.hpp"

namespace trafl::training {

struct TrainConfig {
  // ---- what to train ----
  std::string method = "sft";  // "sft", or an objective name (objective_names())
  std::string preset;          // the recipe applied under the file and flags (presets.hpp; "" = none)
  std::string model;           // starting checkpoint directory (HF layout)
  std::string init_config;     // or: a config.json to initialise a model from scratch (seed = init_seed)
  std::string tokenizer;       // with init_config: tokenizer.json to use (empty = the tiny byte-level one)
  std::uint64_t init_seed = 0;
  std::string out;  // output directory (created)

  // ---- data ----
  std::string task;          // a task name (benchmarks registry): prompts, references and rewards
  std::string data;          // the task's file (e.g. GSM8K train.jsonl)
  std::string sft_data;      // or, for SFT: JSONL of {"prompt": …, "response": …}
  std::string prompt_style;  // the task's prompt style (livecodebench: lcb | short; "" = the task's default)
  bool chat = true;          // wrap prompts in the chat template (tok::ChatFormat: the checkpoint's, else LLaDA's)
  // Few-shot prompts for math tasks, as `sample` builds them (benchmarks/fewshot.hpp; -1 / "" = not
  // given): K exemplars drawn with a seed from a split (default: the train file next to --data; when
  // that split is the training file itself the problem is never its own exemplar), or a fixed file.
  std::int64_t num_fewshot = -1;
  std::int64_t fewshot_seed = -1;
  std::string fewshot_file;
  std::string fewshot_data;
  std::int64_t response_length = 0;  // SFT: response tokens incl. EOS padding (0 = gen_length)

  // ---- optimisation ----
  std::int64_t steps = 100;  // SFT: optimiser steps; RL: rollout batches (each runs the objective's inner iterations)
  std::int64_t batch = 4;    // SFT: sequences per micro-batch; RL: prompts per step
  std::int64_t grad_accum = 1;  // micro-batches per optimiser step (SFT)
  double lr = 1e-4;
  double weight_decay = 0.0;
  double adam_beta1 = 0.9, adam_beta2 = 0.999, adam_eps = 1e-8;
  std::string schedule = "constant";  // "constant" | "cosine" (after warm-up)
  std::int64_t warmup_steps = 0;
  double min_lr_ratio = 0.0;   // cosine floor, as a fraction of lr
  double max_grad_norm = 1.0;  // 0 = no clipping (the norm is still reported)
  std::uint64_t seed = 0;      // every random draw is a function of (seed, step, …)
  double sft_eps = 1e-3;       // LLaDA: p_mask = (1 - eps) t + eps

  // ---- RL rollouts and rewards ----
  std::int64_t group_size = 4;  // G completions per prompt
  std::int64_t gen_length = 64;
  std::int64_t sampler_steps = 64;
  std::int64_t block_length = 32;
  double temperature = 1.0;              // rollout temperature
  std::string grading_mode;              // empty = the task's default mode
  std::string reward = "task";           // the reward registry's name (rewards.hpp: task, d1-gsm8k, d1-math, espo-code)
  std::string code_reward = "fraction";  // "fraction" of tests passed | "all" (1 when every test passes)
  double format_reward = 0.0;            // weight of the optional format reward (0 = off)
  nlohmann::json objective = nlohmann::json::object();  // passed to make_objective

  // ---- LoRA (rank 0 = full fine-tuning) ----
  std::int64_t lora_rank = 0;
  double lora_alpha = 16.0;
  double lora_dropout = 0.0;
  std::vector<std::string> lora_targets = {"q_proj", "k_proj", "v_proj", "attn_out", "ff_proj", "up_proj", "ff_out"};
  bool lora_merge = false;  // export a plain checkpoint with the adapters merged in

  // ---- checkpoints, metrics, device ----
  std::int64_t save_every = 0;  // 0 = only at the end
  std::int64_t keep_checkpoints = 2;
  std::string db;  // run database for per-step metrics (empty = none)
  std::string device = "cpu";
  std::string dtype = "f32";  // "f32" | "bf16" (bf16 only where the device supports it)
  int threads = 0;            // torch CPU threads (0 = torch default)
  bool progress = true;

  bool is_sft() const { return method == "sft"; }
  // The options the task is built with: prompt_style, and for code tasks rewarded by the fraction of
  // tests passed, every test is run (LCB's own semantics stop at the first failure).
  TaskOptions task_options() const;
  std::int64_t effective_response_length() const { return response_length > 0 ? response_length : gen_length; }
};

// The post-training objectives make_objective knows (the registry in training/objectives.cpp), in
// its stable order: TraFL first, then the baselines.
std::vector<std::string> objective_names();
// One line per objective (name and summary), for `train --help`.
std::string objective_help();
// How many optimiser steps an objective takes per batch of rollouts with its default options (μ,
// `inner_iterations`: 1 for trafl and justgrpo, 8 for espo, 12 for diffu-grpo and wd1). Read from
// the objectives' own option defaults, so a recipe that scales by it cannot drift from them.
int default_inner_iterations(const std::string& objective);

// Applies `j` on top of `config`. `source` names the file in errors (InputError(source, 0, key, …)).
void apply_json(TrainConfig& config, const nlohmann::json& j, const std::string& source);
// The whole resolved configuration (every key; stable order).
nlohmann::ordered_json to_json(const TrainConfig& config);
// Reads a JSON config file (an object) and applies it.
void apply_file(TrainConfig& config, const std::string& path);
// Consistency checks (UsageError naming the option): positive sizes, a data source that fits the
// method, one of model / init_config, known schedule and code_reward, etc.
void validate(const TrainConfig& config);

}  // namespace trafl::training
