// trafl-eval train: SFT or RL post-training of a LLaDA checkpoint (src/training/trainer.hpp).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>

#include "checkpoint/prompt_format.hpp"
#include "cli/commands.hpp"
#include "cli/torch_commands.hpp"
#include "cli/conventions.hpp"
#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/progress.hpp"
#include "distributed/launch_env.hpp"
#include "distributed/spawn.hpp"
#include "training/presets.hpp"
#include "training/rewards.hpp"
#include "training/train_config.hpp"
#include "training/train_result.hpp"

namespace trafl::cli {
namespace {

// Flags given on the command line become a JSON object with the configuration's keys, applied on
// top of --config: one reader (train_config.cpp) checks every value, whichever way it came.
struct Flags {
  std::vector<std::function<void(nlohmann::json&)>> collect;
  // What --help shows as each option's default: TrainConfig's own, by key (the flags' variables
  // start empty, so capturing them would show 0 and "").
  nlohmann::ordered_json defaults = training::to_json(training::TrainConfig{});

  template <typename T>
  CLI::Option* option(CLI::App* cmd, const std::string& flag, const char* key, const std::string& help) {
    auto value = std::make_shared<T>();
    CLI::Option* o = cmd->add_option(flag, *value, help);
    o->default_str(default_text(key));
    collect.push_back([o, value, key](nlohmann::json& j) {
      if (o->count() > 0) j[key] = *value;
    });
    return o;
  }
  std::string default_text(const char* key) const {
    auto it = defaults.find(key);
    if (it == defaults.end() || it->is_null()) return "";
    if (it->is_string()) return it->get<std::string>();
    if (it->is_array()) {
      std::string out;
      for (const auto& v : *it) out += (out.empty() ? "" : ",") + (v.is_string() ? v.get<std::string>() : v.dump());
      return out;
    }
    return it->dump();
  }
  CLI::Option* flag(CLI::App* cmd, const std::string& flag, const char* key, bool value_when_set,
                    const std::string& help) {
    CLI::Option* o = cmd->add_flag(flag, help);
    collect.push_back([o, key, value_when_set](nlohmann::json& j) {
      if (o->count() > 0) j[key] = value_when_set;
    });
    return o;
  }
};

nlohmann::json read_object_file(const std::string& path) {
  const nlohmann::json j = read_json_file(path, "objective options");
  if (!j.is_object()) throw InputError(path, 0, "", "expected a JSON object");
  return j;
}

// The starting checkpoint's recorded prompt format is the default (checkpoint/prompt_format.hpp);
// an explicit --chat/--no-chat or "chat" in --config wins, with a warning when it contradicts it.
// `file` is --config as already read (null without one); `config_file` names it in messages.
void resolve_prompt_format(training::TrainConfig& config, const nlohmann::json& given, const nlohmann::json& file,
                           const std::string& config_file) {
  if (config.model.empty()) return;  // from scratch: nothing recorded
  std::optional<bool> explicit_chat;
  std::string by;
  if (given.contains("chat")) {
    explicit_chat = given["chat"].get<bool>();
    by = *explicit_chat ? "--chat" : "--no-chat";
  } else if (file.is_object() && file.contains("chat") && file["chat"].is_boolean()) {
    explicit_chat = file["chat"].get<bool>();
    by = fmt::format("\"chat\": {} in {}", *explicit_chat ? "true" : "false", config_file);
  }
  const auto choice =
      checkpoint::choose_prompt_format(explicit_chat, by.empty() ? "--chat" : by, {config.model}, config.chat);
  config.chat = choice.chat;
  for (const auto& n : choice.notes) note(n);
  for (const auto& w : choice.warnings) fmt::print(stderr, "warning: {}\n", w);
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto flags = std::make_shared<Flags>();
  auto config_file = std::make_shared<std::string>();
  auto objective_file = std::make_shared<std::string>();
  auto resume = std::make_shared<bool>(false);
  auto nproc = std::make_shared<int>(0);
  auto dist_timeout = std::make_shared<double>(300.0);
  // The method lists come from the objective registry (training/objectives.cpp).
  auto* cmd = app.add_subcommand("train", torch_command_description("train"));
  cmd->footer("Post-training objectives (--method):\n" + training::objective_help() +
              "\nPresets (--preset: the authors' recipe for LLaDA-8B-Instruct; --config and flags override it):\n" +
              training::preset_help() + "\nRewards (--reward):\n" + training::reward_help());
  Flags& f = *flags;
  f.option<std::string>(cmd, "--method", "method",
                        fmt::format("sft | {} (default sft)", fmt::join(training::objective_names(), " | ")));
  f.option<std::string>(cmd, "--preset", "preset", "a baseline's published recipe (below); --config and flags win");
  f.option<std::string>(cmd, "--model", "model", "starting checkpoint directory (HF layout)");
  f.option<std::string>(cmd, "--init-config", "init_config", "or: a config.json to train from scratch");
  f.option<std::string>(cmd, "--tokenizer", "tokenizer", "with --init-config: tokenizer.json (default: the tiny one)");
  f.option<std::uint64_t>(cmd, "--init-seed", "init_seed", "with --init-config: weight-init seed");
  f.option<std::string>(cmd, "--out", "out", "output directory: checkpoints, final model, train_config.json");
  f.option<std::string>(cmd, "--task", "task", "task whose file gives prompts, references (SFT) and rewards (RL)");
  f.option<std::string>(cmd, "--data", "data", "the task's data file (e.g. GSM8K train.jsonl)");
  f.option<std::string>(cmd, "--sft-data", "sft_data", "SFT: JSONL of {\"prompt\", \"response\"}");
  f.option<std::string>(cmd, "--prompt-style", "prompt_style", "the task's prompt style (livecodebench: lcb | short)");
  f.option<std::int64_t>(cmd, "--num-fewshot", "num_fewshot",
                         "math tasks: exemplars before each prompt, as `sample` builds them (lm-eval's rule)");
  f.option<std::int64_t>(cmd, "--fewshot-seed", "fewshot_seed",
                         "math tasks: seed of the exemplar draws (default 1234)");
  f.option<std::string>(cmd, "--fewshot-file", "fewshot_file", "math tasks: fixed exemplars (JSONL question/answer)");
  f.option<std::string>(cmd, "--fewshot-data", "fewshot_data",
                        "math tasks: the split exemplars come from (default: the train file next to --data; when it "
                        "is --data itself, a problem is never its own exemplar)");
  auto* chat = f.flag(
      cmd, "--chat", "chat", true,
      "wrap prompts in the checkpoint's chat template (chat_template.jinja / tokenizer_config.json, else "
      "the built-in LLaDA one; default: the format --model's train_config.json records, else the chat template)");
  f.flag(cmd, "--no-chat", "chat", false, "plain prompts, no chat template")->excludes(chat);
  f.option<std::int64_t>(cmd, "--response-length", "response_length",
                         "SFT: response tokens incl. EOS padding (default gen-length)");
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
  f.option<std::string>(cmd, "--reward", "reward", "RL: reward by name (below; default task)");
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
  cmd->add_option("--config", *config_file, "JSON file with any of the options above (keys with '_'); flags win");
  cmd->add_option("--objective-config", *objective_file, "JSON object of objective options (make_objective)");
  cmd->add_flag("--resume", *resume, "continue from OUT/latest (exactly: same next-step losses)");
  cmd->add_option("--nproc", *nproc,
                  "data parallel on this machine: run N ranks (N divides --batch); under torchrun or srun "
                  "the launcher's RANK/WORLD_SIZE (SLURM_PROCID/SLURM_NTASKS) decide instead")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--dist-timeout", *dist_timeout,
                  "seconds a collective may wait for the other ranks before the job stops (default 300)")
      ->check(CLI::Range(1.0, 86400.0));
  cmd->callback([flags, config_file, objective_file, resume, nproc, dist_timeout] {
    nlohmann::json file;  // null: no --config
    if (!config_file->empty()) file = read_json_file(*config_file, "training configuration");
    nlohmann::json given = nlohmann::json::object();
    for (auto& collect : flags->collect) collect(given);
    if (!objective_file->empty()) given["objective"] = read_object_file(*objective_file);
    // defaults < --preset (or the file's "preset") < --config < flags
    training::TrainConfig config = training::resolve_train_config(file, *config_file, given);
    resolve_prompt_format(config, given, file, *config_file);
    config.progress = config.progress && !quiet();
    if (!config.is_sft()) {
      const std::vector<std::string> names = training::objective_names();
      if (std::find(names.begin(), names.end(), config.method) == names.end())
        throw UsageError(
            fmt::format("train: unknown --method '{}' (expected sft, {})", config.method, fmt::join(names, ", ")));
    }
    const distributed::LaunchEnv env = distributed::launch_env();
    if (*nproc > 1 && !env.distributed()) {
      // The launcher: this process only starts the ranks (same arguments) and waits for them. What
      // every rank would reject is rejected once, here.
      training::validate(config);
      if (config.batch % *nproc != 0)
        throw UsageError(
            fmt::format("train --nproc {}: --batch {} is not divisible by {}", *nproc, config.batch, *nproc));
      const distributed::SpawnResult s = distributed::spawn_local_ranks(
          *nproc, distributed::own_arguments(), std::chrono::seconds(static_cast<long>(*dist_timeout) + 30));
      if (!s.ok) throw std::runtime_error(fmt::format("train --nproc {}: {}", *nproc, fmt::join(s.report, "; ")));
      return;
    }
    if (*nproc > 1 && env.world_size != *nproc)
      throw UsageError(
          fmt::format("train --nproc {}: the launcher ({}) says WORLD_SIZE {}", *nproc, env.launcher, env.world_size));
    if (env.rank != 0) config.progress = false;
    // Per-step lines stream as each step ends (a SLURM log shows progress), above the progress bar;
    // rank 0 reports for the job.
    const training::TrainResult r = training::train_default(
        config, *resume,
        [&env](const training::StepMetrics& m) {
          if (env.rank != 0) return;
          std::string line =
              fmt::format("step {:>5}  loss {:.6f}  grad_norm {:.4f}  lr {:.3g}", m.step, m.loss, m.grad_norm, m.lr);
          if (m.reward_mean) line += fmt::format("  reward {:.3f}±{:.3f}", *m.reward_mean, m.reward_std.value_or(0));
          if (m.kl) line += fmt::format("  kl {:.4g}", *m.kl);
          if (m.log_z) line += fmt::format("  logZ {:.4g}", *m.log_z);
          if (env.distributed()) {
            line += "  s/rank";
            for (int k = 0; k < env.world_size; ++k) {
              const auto u = m.stats.find(fmt::format("rank{}_update_s", k));
              const auto ro = m.stats.find(fmt::format("rank{}_rollout_s", k));
              const auto co = m.stats.find(fmt::format("rank{}_comm_s", k));
              line += fmt::format(" {}:{:.2f}", k,
                                  (u != m.stats.end() ? u->second : 0) + (ro != m.stats.end() ? ro->second : 0));
              if (co != m.stats.end()) line += fmt::format("(comm {:.2f})", co->second);
            }
          }
          line += fmt::format("  {:.3g} samples/s  {:.3g} tok/s", m.samples_per_s, m.tokens_per_s);
          Progress::print_above(stdout, line);
        },
        env, *dist_timeout);
    if (env.rank != 0) return;  // rank 0 reports for the job
    for (const std::string& n : r.notes) note(n);
    if (r.start_step > 0) note(fmt::format("resumed after step {}", r.start_step));
    fmt::print("trained {} to step {} ({} examples); checkpoint {}; final model in {}\n", config.method, r.end_step,
               r.examples, r.last_checkpoint, r.out_dir);
  });
}

}  // namespace trafl::cli
