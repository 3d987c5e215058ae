// The preset registry (presets.hpp): one row per preset, every value with its source. The recipes
// were read in the authors' public code at the commits below (docs/baseline-recipes.md has the
// reading, with the differences from ../shared/docs/method-and-baselines.md §4).
#include "training/presets.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "benchmarks/task.hpp"
#include "core/error.hpp"

namespace trafl::training {
namespace {

using json = nlohmann::json;

// Sources, short: repository @ commit (path).
#define WD1 "xiaohangt/wd1 @ a6dbd9d "
#define ESPO "ML-GSAI/ESPO @ 8531903 "
#define JG "LeapLabTHU/JustGRPO @ ce07435 "
// HF's constant_with_warmup with a warm-up *ratio*: ceil(ratio · total steps) steps; our trainer takes
// steps, so the preset gives that count for runs shorter than 1 / ratio steps (1 step).
#define WARMUP_NOTE "(ceil(ratio x steps) = 1 for runs under 1/ratio steps; ours takes steps, not a ratio)"

// LLaDA's module names for the seven LoRA targets the authors list as q/k/v/o_proj, up/down/gate_proj.
const json kLladaLoraTargets = {"q_proj", "k_proj", "v_proj", "attn_out", "up_proj", "ff_out", "ff_proj"};

// d1 and wd1 share one yaml (wd1 runs both; d1's own train.yaml is not in the index we can read, and
// method-and-baselines §4.3 recorded the same values from it).
std::vector<PresetValue> d1_family_values() {
  return {
      {"lr", 3e-6, "", WD1 "wd1/train.yaml learning_rate"},
      {"schedule", "constant", "", WD1 "wd1/train.yaml lr_scheduler_type constant_with_warmup"},
      {"warmup_steps", 1, "", WD1 "wd1/train.yaml warmup_ratio 0.0001 " WARMUP_NOTE},
      {"adam_beta1", 0.9, "", WD1 "wd1/train.yaml adam_beta1"},
      {"adam_beta2", 0.99, "", WD1 "wd1/train.yaml adam_beta2"},
      {"adam_eps", 1e-8, "", "not in wd1/train.yaml: transformers' TrainingArguments default adam_epsilon"},
      {"weight_decay", 0.1, "", WD1 "wd1/train.yaml weight_decay"},
      {"max_grad_norm", 0.2, "", WD1 "wd1/train.yaml max_grad_norm"},
      {"seed", 42, "", WD1 "wd1/train.yaml seed (the value; our draws from it differ from torch's)"},
      {"group_size", 6, "", WD1 "wd1/train.yaml num_generations"},
      {"batch", 8, "",
       "derived: per_device_train_batch_size 6 completions x gradient_accumulation_steps 2 (wd1/train.yaml) "
       "x 4 GPUs (run/*_gsm8k.sh --num_processes 4) / G 6 = 8 prompts per optimiser step"},
      {"gen_length", 256, "", WD1 "wd1/train.yaml max_completion_length"},
      {"sampler_steps", 128, "", WD1 "wd1/train.yaml diffusion_steps"},
      {"block_length", 32, "", WD1 "wd1/train.yaml block_length"},
      {"temperature", 0.9, "",
       WD1 "wd1/trainers/diffu_grpo_config.py DiffuGRPOConfig.temperature default (the yaml sets none)"},
      {"lora_rank", 128, "", WD1 "wd1/train.yaml lora_r (use_peft: true)"},
      {"lora_alpha", 64.0, "", WD1 "wd1/train.yaml lora_alpha"},
      {"lora_dropout", 0.05, "", WD1 "wd1/train.yaml lora_dropout"},
      {"lora_targets", kLladaLoraTargets, "", WD1 "wd1/run_train.py LoraConfig target_modules"},
      {"dtype", "bf16", "", WD1 "wd1/train.yaml torch_dtype bfloat16, bf16: true"},
      {"chat", true, "",
       WD1
       "wd1/data_utils.py prompts through the LLaDA chat template (with d1's format system prompt, which ours does not add)"},
      {"reward", "d1-gsm8k", "gsm8k",
       WD1 "wd1/run_train.py dataset gsm8k: xmlcount, soft, strict, int, correctness (wd1/reward_func.py)"},
      {"reward", "d1-math", "math",
       WD1 "wd1/run_train.py dataset math: correctness_reward_func_math, boxed_and_answer_tags_format_reward "
           "(math500_utils.py, with boxed_in_answer, is not in the index: its \\boxed test is read from "
           "d1-style copies of it, one of which tests a backspace literal)"},
  };
}

std::vector<std::string> d1_family_unsupported() {
  return {
      "4-bit (nf4) base weights (wd1/train.yaml load_in_4bit; ours: f32 or bf16)",
      "reference synced to the policy every 64 steps (wd1/train.yaml sync_ref_model, ref_model_sync_steps; ours stays the start)",
      "steps: num_train_epochs 10 over the train split (wd1/train.yaml); give --steps",
      "d1's system prompt asking for <reasoning>/<answer> (wd1/data_utils.py); our prompts are the task's"};
}

std::vector<Preset> make_presets() {
  std::vector<Preset> p;

  Preset d1{
      "d1", "diffu-GRPO as d1 trains LLaDA-8B-Instruct (GSM8K, MATH)", {"gsm8k", "math"}, {}, d1_family_unsupported()};
  d1.values = {
      {"method", "diffu-grpo", "", WD1 "run/d1_us_gsm8k.sh --trainer_type d1"},
      {"objective.beta", 0.04, "", WD1 "wd1/train.yaml beta"},
      {"objective.epsilon", 0.5, "", WD1 "wd1/train.yaml epsilon"},
      {"objective.inner_iterations", 12, "", WD1 "run/d1_us_gsm8k.sh NUM_ITER=12 (--num_iterations)"},
      {"objective.p_mask_prompt", 0.15, "", WD1 "wd1/train.yaml p_mask_prompt"},
      {"objective.random_masking", true, "", WD1 "wd1/train.yaml random_masking"},
      {"objective.scale_rewards", false, "",
       WD1 "wd1/trainers/diffu_grpo_trainer.py advantages = r - group mean, no std division"},
  };
  for (auto& v : d1_family_values()) d1.values.push_back(v);
  p.push_back(d1);

  Preset wd1{"wd1",
             "wd1 (weighted log-likelihood) as its authors train LLaDA-8B-Instruct (GSM8K, MATH)",
             {"gsm8k", "math"},
             {},
             d1_family_unsupported()};
  wd1.values = {
      {"method", "wd1", "", WD1 "run/wll_NP_gsm8k.sh --trainer_type wll_d1_neg"},
      {"objective.inner_iterations", 12, "", WD1 "run/wll_NP_gsm8k.sh NUM_ITER=12 (--num_iterations)"},
      {"objective.p_mask_prompt", 0.15, "", WD1 "wd1/train.yaml p_mask_prompt"},
      {"objective.random_masking", true, "", WD1 "wd1/train.yaml random_masking"},
  };
  for (auto& v : d1_family_values()) wd1.values.push_back(v);
  p.push_back(wd1);

  Preset espo{
      "espo",
      "ESPO as its authors train LLaDA-8B-Instruct (GSM8K, MATH, code)",
      {"gsm8k", "math", "code"},
      {},
      {"reference synced to the policy every 64 steps (recipes/train.yaml sync_ref_model, ref_model_sync_steps)",
       "steps: num_train_epochs 1 over the train split (recipes/train.yaml); give --steps",
       "the code reward's ast.parse check (0.5 for a block that does not parse; rewards_code.hpp)",
       "GSM8K/MATH correctness: ESPO extracts 'The answer is X' / '#### X' / the last number (GSM8K) or uses "
       "math_verify (MATH); ours grades with the task's grader (reward 'task', also 1/0)"}};
  espo.values = {
      {"method", "espo", "", ESPO "recipes/run_{gsm8k,math,code}_llada.sh espo/espo_train.py"},
      {"objective.epsilon", 0.2, "", ESPO "recipes/train.yaml epsilon"},
      {"objective.inner_iterations", 8, "", ESPO "recipes/run_*_llada.sh NUM_ITER=8 (--num_iterations)"},
      {"objective.num_mc", 2, "", ESPO "recipes/run_*_llada.sh --num_mc 2"},
      {"objective.beta", 1e-3, "gsm8k,math", ESPO "recipes/run_{gsm8k,math}_llada.sh --beta 1e-3"},
      {"objective.beta", 1e-2, "code", ESPO "recipes/run_code_llada.sh --beta 1e-2"},
      {"lr", 3e-6, "gsm8k,math", ESPO "recipes/run_{gsm8k,math}_llada.sh --learning_rate 3e-6"},
      {"lr", 1e-6, "code", ESPO "recipes/train.yaml learning_rate (run_code_llada.sh sets none)"},
      {"schedule", "constant", "", ESPO "recipes/run_*_llada.sh --lr_scheduler_type constant_with_warmup"},
      {"warmup_steps", 1, "", ESPO "recipes/run_*_llada.sh --warmup_ratio 0.001 " WARMUP_NOTE},
      {"adam_beta1", 0.9, "", ESPO "recipes/train.yaml adam_beta1"},
      {"adam_beta2", 0.99, "", ESPO "recipes/train.yaml adam_beta2"},
      {"adam_eps", 1e-8, "", "not in recipes/train.yaml: transformers' TrainingArguments default adam_epsilon"},
      {"weight_decay", 0.01, "gsm8k,math", ESPO "recipes/run_{gsm8k,math}_llada.sh --weight_decay 0.01"},
      {"weight_decay", 0.1, "code", ESPO "recipes/train.yaml weight_decay (run_code_llada.sh sets none)"},
      {"max_grad_norm", 0.2, "gsm8k,math", ESPO "recipes/run_{gsm8k,math}_llada.sh --max_grad_norm 0.2"},
      {"max_grad_norm", 0.8, "code", ESPO "recipes/run_code_llada.sh --max_grad_norm 0.8"},
      {"seed", 42, "", ESPO "recipes/train.yaml seed (the value; our draws from it differ from torch's)"},
      {"group_size", 6, "gsm8k", ESPO "recipes/run_gsm8k_llada.sh --num_generations 6"},
      {"group_size", 16, "math", ESPO "recipes/run_math_llada.sh --num_generations 16"},
      {"group_size", 10, "code", ESPO "recipes/run_code_llada.sh --num_generations 10"},
      {"batch", 16, "gsm8k",
       "derived: 8 GPUs x per_device_train_batch_size 3 x gradient_accumulation_steps 4 / G 6 (recipes/run_gsm8k_llada.sh)"},
      {"batch", 16, "math",
       "derived: 8 GPUs x per_device_train_batch_size 2 x gradient_accumulation_steps 16 / G 16 (recipes/run_math_llada.sh)"},
      {"batch", 16, "code",
       "derived: 8 GPUs x per_device_train_batch_size 1 x gradient_accumulation_steps 20 / G 10 (recipes/run_code_llada.sh)"},
      {"gen_length", 256, "", ESPO "recipes/train.yaml max_completion_length"},
      {"sampler_steps", 256, "", ESPO "recipes/run_*_llada.sh --diffusion_steps 256"},
      {"block_length", 32, "", ESPO "espo/espo_trainer.py generate(..., block_length=32)"},
      {"temperature", 1.0, "", ESPO "recipes/train.yaml generation_temperature"},
      {"lora_rank", 128, "gsm8k,math", ESPO "recipes/train.yaml lora_r, run_{gsm8k,math}_llada.sh --use_peft true"},
      {"lora_rank", 0, "code", ESPO "recipes/run_code_llada.sh --use_peft false (full fine-tuning)"},
      {"lora_alpha", 64.0, "gsm8k,math", ESPO "recipes/train.yaml lora_alpha"},
      {"lora_dropout", 0.05, "gsm8k,math", ESPO "recipes/train.yaml lora_dropout"},
      {"lora_targets", kLladaLoraTargets, "gsm8k,math", ESPO "recipes/train.yaml lora_target_modules"},
      {"dtype", "bf16", "", ESPO "recipes/train.yaml torch_dtype bfloat16, bf16: true"},
      {"reward", "task", "gsm8k,math", ESPO "espo/rewards.py correctness 1/0 (see unsupported: extraction differs)"},
      {"reward", "espo-code", "code", ESPO "espo/rewards.py get_reward_funcs 'code': code_format_reward + code_reward"},
  };
  p.push_back(espo);

  Preset jg{"justgrpo",
            "JustGRPO as its authors train LLaDA-8B-Instruct (GSM8K, MATH; code unconfirmed)",
            {"gsm8k", "math", "code"},
            {},
            {"the code recipe: JustGRPO's repository at ce07435 has math only; a code run uses the same optimiser "
             "settings and ESPO's code reward (method-and-baselines §4.2 describes the same format + pass-rate sum)",
             "the dtype: FSDP mixed precision in train.py was not read; our default f32 is kept"}};
  jg.values = {
      {"method", "justgrpo", "", JG "grpo.py"},
      {"objective.epsilon", 0.2, "", JG "grpo.py clip range 0.2"},
      {"objective.inner_iterations", 1, "", JG "grpo.py ratio exp(logp - logp.detach()): one update per batch"},
      {"objective.rounds", 8, "", JG "train.py gradient accumulation 8: the loss is normalised per accumulation round"},
      {"steps", 125, "", JG "train.py 125 optimiser steps"},
      {"lr", 5e-6, "", JG "train.py AdamW lr"},
      {"adam_beta1", 0.9, "", JG "train.py AdamW betas"},
      {"adam_beta2", 0.999, "", JG "train.py AdamW betas"},
      {"adam_eps", 1e-8, "", JG "train.py AdamW eps"},
      {"weight_decay", 0.0, "", JG "train.py AdamW weight_decay"},
      {"schedule", "constant", "", JG "train.py (no scheduler)"},
      {"warmup_steps", 0, "", JG "train.py (no scheduler)"},
      {"max_grad_norm", 1.0, "", JG "train.py clip_grad_norm_ 1.0 (after NaN -> 0)"},
      {"batch", 64, "", "derived: 1 prompt per device x 8 accumulation rounds x 8 GPUs (" JG "train.py)"},
      {"group_size", 16, "", JG "train.py num_generations 8 x repeat_times 2"},
      {"gen_length", 256, "", JG "train.py / grpo.py rollout length 256"},
      {"sampler_steps", 256, "", JG "grpo.py rollouts one token per step, left to right"},
      {"block_length", 1, "",
       JG "grpo.py rollouts left to right (block 1); our justgrpo objective asks for them itself"},
      {"temperature", 1.0, "", JG "utils/generate.py sample() default temperature"},
      {"lora_rank", 0, "", JG "train.py full fine-tuning (FSDP, no PEFT)"},
      {"reward", "task", "gsm8k,math",
       JG "data/math.py reward +1/-1; with std-normalised advantages (+1e-4) the same as 1/0"},
      {"reward", "espo-code", "code",
       "unconfirmed: method-and-baselines §4.2 (format 1/0.5/0 + pass rate); not in " JG},
  };
  p.push_back(jg);

  Preset trafl{"trafl-paper",
               "TraFL as far as the paper's settings are known (most are not: see the tags)",
               {"gsm8k", "math", "code"},
               {},
               {"TraFL's code is not public and its text past the abstract was not readable (method-and-baselines §0): "
                "β, G, the optimiser, the schedule and the rollout temperature are unknown and stay at our defaults "
                "unless tagged [G] below"}};
  trafl.values = {
      {"method", "trafl", "", "[P] arXiv 2605.13935 abstract: the trajectory-balance objective"},
      {"objective.num_masks", 4, "",
       "[S] SDogya/automatic-eureka PORT_NOTES.md: 'the paper uses 4 as two complementary pairs'"},
      {"objective.mask_scheme", "coupled", "",
       "[S] SDogya/automatic-eureka src/rl/losses/masks.py 'comp' scheme (complementary pairs)"},
      {"objective.center_rewards", true, "",
       "[S] SDogya/automatic-eureka src/rl/losses/trafl.py: reward centred in the group"},
      {"objective.beta_scaling", "per_token", "",
       "[S] SDogya/automatic-eureka README 'beta / u' (per-token surrogate)"},
      {"block_length", 32, "", "[G] not from TraFL: LLaDA's and every baseline's block (method-and-baselines §1.4)"},
      {"lora_rank", 128, "",
       "[G] not from TraFL: the LoRA convention d1, wd1 and ESPO share (method-and-baselines §1.4)"},
      {"lora_alpha", 64.0, "", "[G] not from TraFL: as lora_rank"},
      {"lora_dropout", 0.05, "", "[G] not from TraFL: as lora_rank"},
      {"lora_targets", kLladaLoraTargets, "", "[G] not from TraFL: as lora_rank"},
      {"lr", 3e-6, "", "[G] not from TraFL: d1's and ESPO's math learning rate (method-and-baselines §1.4)"},
  };
  p.push_back(trafl);
  return p;
}

bool in_families(const std::string& list, const std::string& family) {
  if (list.empty()) return true;
  std::size_t from = 0;
  while (from <= list.size()) {
    const std::size_t comma = std::min(list.find(',', from), list.size());
    if (list.substr(from, comma - from) == family) return true;
    from = comma + 1;
  }
  return false;
}

std::string string_at(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j.at(key).is_string() ? j.at(key).get<std::string>() : "";
}

// Applies `layer` on top of `c`; its "objective" object is merged key by key into the options
// already there (a file that sets one option keeps the preset's others).
void apply_layer(TrainConfig& c, json layer, const std::string& source) {
  if (layer.is_object() && layer.contains("objective") && layer.at("objective").is_object()) {
    json merged = c.objective;
    for (const auto& [k, v] : layer.at("objective").items()) merged[k] = v;
    layer["objective"] = merged;
  }
  apply_json(c, layer, source);
}

}  // namespace

const std::vector<Preset>& presets() {
  static const std::vector<Preset> all = make_presets();
  return all;
}

const Preset& find_preset(const std::string& name) {
  std::vector<std::string> names;
  for (const Preset& p : presets()) {
    if (p.name == name) return p;
    names.push_back(p.name);
  }
  throw UsageError(fmt::format("unknown preset '{}' (expected one of: {})", name, fmt::join(names, ", ")));
}

std::string preset_help() {
  std::string h;
  for (const Preset& p : presets())
    h += fmt::format("  {:<12} {} [tasks: {}]\n", p.name, p.summary, fmt::join(p.families, ", "));
  h += "  (each value's source: src/training/presets.cpp; table: README \"Baseline presets\")\n";
  return h;
}

std::string task_family(const std::string& task) {
  if (task_runs_code(task)) return "code";  // UsageError for an unknown task
  return task == "gsm8k" ? "gsm8k" : "math";
}

json preset_json(const std::string& name, const std::string& task) {
  const Preset& p = find_preset(name);
  if (task.empty())
    throw UsageError(fmt::format("train --preset {}: name the task (--task) so the recipe for it is chosen", name));
  const std::string family = task_family(task);
  if (std::find(p.families.begin(), p.families.end(), family) == p.families.end())
    throw UsageError(fmt::format("preset '{}' has no published recipe for {} tasks (task '{}'; it has: {})", name,
                                 family, task, fmt::join(p.families, ", ")));
  json out = json::object();
  out["preset"] = name;
  for (const PresetValue& v : p.values) {
    if (!in_families(v.families, family)) continue;
    if (v.key.rfind("objective.", 0) == 0)
      out["objective"][v.key.substr(10)] = v.value;
    else
      out[v.key] = v.value;
  }
  return out;
}

TrainConfig resolve_train_config(const json& file, const std::string& file_source, const json& flags) {
  TrainConfig c;
  std::string preset = string_at(flags, "preset");
  if (preset.empty()) preset = string_at(file, "preset");
  if (!preset.empty()) {
    std::string task = string_at(flags, "task");
    if (task.empty()) task = string_at(file, "task");
    apply_layer(c, preset_json(preset, task), "preset " + preset);
  }
  if (!file.is_null()) apply_layer(c, file, file_source);
  apply_layer(c, flags, "command line");
  return c;
}

}  // namespace trafl::training
