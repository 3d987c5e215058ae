// trafl-eval train: SFT or RL post-training of a LLaDA checkpoint (src/training/trainer.hpp).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/file_io.hpp"
#include "training/train_config.hpp"
#include "training/train_result.hpp"

namespace trafl::cli {
namespace {

// Flags given on the command line become a JSON object with the configuration's keys, applied on
// top of --config: one reader (train_config.cpp) checks every value, whichever way it came.
struct Flags {
  std::vector<std::function<void(nlohmann::json&)>> collect;

  template <typename T>
  CLI::Option* option(CLI::App* cmd, const std::string& flag, const char* key, const std::string& help) {
    auto value = std::make_shared<T>();
    CLI::Option* o = cmd->add_option(flag, *value, help);
    collect.push_back([o, value, key](nlohmann::json& j) {
      if (o->count() > 0) j[key] = *value;
    });
    return o;
  }
  void flag(CLI::App* cmd, const std::string& flag, const char* key, bool value_when_set, const std::string& help) {
    CLI::Option* o = cmd->add_flag(flag, help);
    collect.push_back([o, key, value_when_set](nlohmann::json& j) {
      if (o->count() > 0) j[key] = value_when_set;
    });
  }
};

nlohmann::json read_object_file(const std::string& path) {
  const nlohmann::json j = read_json_file(path, "objective options");
  if (!j.is_object()) throw InputError(path, 0, "", "expected a JSON object");
  return j;
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto flags = std::make_shared<Flags>();
  auto config_file = std::make_shared<std::string>();
  auto objective_file = std::make_shared<std::string>();
  auto resume = std::make_shared<bool>(false);
  // The method lists come from the objective registry (training/objectives.cpp).
  auto* cmd = app.add_subcommand(
      "train", fmt::format("SFT (masked-diffusion loss) or RL post-training ({}) of a LLaDA model",
                           fmt::join(training::objective_names(), ", ")));
  cmd->footer("Post-training objectives (--method):\n" + training::objective_help());
  Flags& f = *flags;
  f.option<std::string>(cmd, "--method", "method",
                        fmt::format("sft | {} (default sft)", fmt::join(training::objective_names(), " | ")));
  f.option<std::string>(cmd, "--model", "model", "starting checkpoint directory (HF layout)");
  f.option<std::string>(cmd, "--init-config", "init_config", "or: a config.json to train from scratch");
  f.option<std::string>(cmd, "--tokenizer", "tokenizer", "with --init-config: tokenizer.json (default: the tiny one)");
  f.option<std::uint64_t>(cmd, "--init-seed", "init_seed", "with --init-config: weight-init seed");
  f.option<std::string>(cmd, "--out", "out", "output directory: checkpoints, final model, train_config.json");
  f.option<std::string>(cmd, "--task", "task", "task whose file gives prompts, references (SFT) and rewards (RL)");
  f.option<std::string>(cmd, "--data", "data", "the task's data file (e.g. GSM8K train.jsonl)");
  f.option<std::string>(cmd, "--sft-data", "sft_data", "SFT: JSONL of {\"prompt\", \"response\"}");
  f.option<std::string>(cmd, "--prompt-style", "prompt_style", "the task's prompt style (livecodebench: lcb | short)");
  f.flag(cmd, "--no-chat", "chat", false, "plain prompts (default: the checkpoint's chat template, else the built-in LLaDA one)");
  f.option<std::int64_t>(cmd, "--response-length", "response_length", "SFT: response tokens incl. EOS padding (default gen-length)");
  f.option<std::int64_t>(cmd, "--steps", "steps", "optimiser steps (RL: rollout batches)");
  f.option<std::int64_t>(cmd, "--batch", "batch", "SFT: sequences per micro-batch; RL: prompts per step");
  f.option<std::int64_t>(cmd, "--grad-accum", "grad_accum", "SFT: micro-batches per step");
  f.option<double>(cmd, "--lr", "lr", "learning rate");
  f.option<double>(cmd, "--weight-decay", "weight_decay", "AdamW weight decay");
  f.option<std::string>(cmd, "--schedule", "schedule", "constant | cosine (after warm-up)");
  f.option<std::int64_t>(cmd, "--warmup-steps", "warmup_steps", "linear warm-up steps");
  f.option<double>(cmd, "--max-grad-norm", "max_grad_norm", "gradient clipping (0 = off)");
  f.option<std::uint64_t>(cmd, "--seed", "seed", "run seed: every random draw is a function of (seed, step, ...)");
  f.option<std::int64_t>(cmd, "--group-size", "group_size", "RL: completions per prompt (G)");
  f.option<std::int64_t>(cmd, "--gen-length", "gen_length", "RL: generated tokens per completion");
  f.option<std::int64_t>(cmd, "--sampler-steps", "sampler_steps", "RL: diffusion sampler steps");
  f.option<std::int64_t>(cmd, "--block-length", "block_length", "RL: sampler block length");
  f.option<double>(cmd, "--temperature", "temperature", "RL: rollout temperature");
  f.option<std::string>(cmd, "--grading-mode", "grading_mode", "RL: the task's grading mode for rewards");
  f.option<std::string>(cmd, "--code-reward", "code_reward", "RL code tasks: fraction | all");
  f.option<double>(cmd, "--format-reward", "format_reward", "RL: weight of the format reward (0 = off)");
  f.option<std::int64_t>(cmd, "--lora-rank", "lora_rank", "LoRA rank (0 = full fine-tuning)");
  f.option<double>(cmd, "--lora-alpha", "lora_alpha", "LoRA alpha");
  f.option<double>(cmd, "--lora-dropout", "lora_dropout", "LoRA dropout");
  f.option<std::vector<std::string>>(cmd, "--lora-targets", "lora_targets", "LoRA target modules")->delimiter(',');
  f.flag(cmd, "--lora-merge", "lora_merge", true, "export a plain checkpoint with the adapters merged");
  f.option<std::int64_t>(cmd, "--save-every", "save_every", "checkpoint every N steps (0 = only at the end)");
  f.option<std::int64_t>(cmd, "--keep-checkpoints", "keep_checkpoints", "step checkpoints kept");
  f.option<std::string>(cmd, "--db", "db", "run database for per-step metrics");
  f.option<std::string>(cmd, "--device", "device", "cpu | cuda");
  f.option<std::string>(cmd, "--dtype", "dtype", "f32 | bf16");
  f.option<int>(cmd, "--threads", "threads", "torch CPU threads (0 = default)");
  f.flag(cmd, "--quiet", "progress", false, "no progress line");
  cmd->add_option("--config", *config_file, "JSON file with any of the options above (keys with '_'); flags win");
  cmd->add_option("--objective-config", *objective_file, "JSON object of objective options (make_objective)");
  cmd->add_flag("--resume", *resume, "continue from OUT/latest (exactly: same next-step losses)");
  cmd->callback([flags, config_file, objective_file, resume] {
    training::TrainConfig config;
    if (!config_file->empty()) training::apply_file(config, *config_file);
    nlohmann::json given = nlohmann::json::object();
    for (auto& collect : flags->collect) collect(given);
    if (!objective_file->empty()) given["objective"] = read_object_file(*objective_file);
    training::apply_json(config, given, "command line");
    if (!config.is_sft()) {
      const std::vector<std::string> names = training::objective_names();
      if (std::find(names.begin(), names.end(), config.method) == names.end())
        throw UsageError(fmt::format("train: unknown --method '{}' (expected sft, {})", config.method, fmt::join(names, ", ")));
    }
    const training::TrainResult r = training::train_default(config, *resume);
    for (const std::string& note : r.notes) fmt::print(stderr, "note: {}\n", note);
    if (r.start_step > 0) fmt::print(stderr, "resumed after step {}\n", r.start_step);
    for (const training::StepMetrics& m : r.steps) {
      std::string line = fmt::format("step {:>5}  loss {:.6f}  grad_norm {:.4f}  lr {:.3g}", m.step, m.loss, m.grad_norm, m.lr);
      if (m.reward_mean) line += fmt::format("  reward {:.3f}±{:.3f}", *m.reward_mean, m.reward_std.value_or(0));
      if (m.kl) line += fmt::format("  kl {:.4g}", *m.kl);
      if (m.log_z) line += fmt::format("  logZ {:.4g}", *m.log_z);
      line += fmt::format("  {:.1f} samples/s  {:.0f} tok/s", m.samples_per_s, m.tokens_per_s);
      fmt::print("{}\n", line);
    }
    fmt::print("trained {} to step {} ({} examples); checkpoint {}; final model in {}\n", config.method, r.end_step,
               r.examples, r.last_checkpoint, r.out_dir);
  });
}

}  // namespace trafl::cli
