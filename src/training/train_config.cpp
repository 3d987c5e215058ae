// TrainConfig <-> JSON, one table of keys so that reading, writing and "unknown key" agree.
#include "training/train_config.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include <fstream>
#include <functional>
#include <limits>
#include <sstream>

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "training/rewards.hpp"

namespace trafl::training {
namespace {

using json = nlohmann::json;

struct Field {
  const char* key;
  std::function<void(TrainConfig&, const json&)> set;  // throws json::type_error on a wrong type
  std::function<json(const TrainConfig&)> get;
  // Written by to_json only when it differs from the default: options added after runs were recorded
  // without them, so that such records stay equal to their configuration (and resumable).
  bool only_when_given = false;
};

template <typename T>
Field field(const char* key, T TrainConfig::*member) {
  return Field{key,
               [member](TrainConfig& c, const json& v) {
                 if constexpr (std::is_same_v<T, bool>) {
                   if (!v.is_boolean()) throw std::invalid_argument("expected true or false");
                 } else if constexpr (std::is_integral_v<T>) {
                   if (!v.is_number_integer()) throw std::invalid_argument("expected an integer");
                   if constexpr (std::is_unsigned_v<T>)
                     if (v.is_number_integer() && !v.is_number_unsigned() && v.get<std::int64_t>() < 0)
                       throw std::invalid_argument("expected a non-negative integer");
                   // get<T> would wrap a value outside T's range (threads 4294967297 became 1).
                   const bool fits =
                       v.is_number_unsigned()
                           ? v.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<T>::max())
                           : v.get<std::int64_t>() >= static_cast<std::int64_t>(std::numeric_limits<T>::min()) &&
                                 (std::is_unsigned_v<T> ||
                                  v.get<std::int64_t>() <= static_cast<std::int64_t>(std::numeric_limits<T>::max()));
                   if (!fits) throw std::invalid_argument("integer out of range");
                 } else if constexpr (std::is_floating_point_v<T>) {
                   if (!v.is_number()) throw std::invalid_argument("expected a number");
                 } else if constexpr (std::is_same_v<T, std::string>) {
                   if (!v.is_string()) throw std::invalid_argument("expected a string");
                 } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
                   if (!v.is_array()) throw std::invalid_argument("expected a list of strings");
                   for (const json& e : v)
                     if (!e.is_string()) throw std::invalid_argument("expected a list of strings");
                 } else if constexpr (std::is_same_v<T, json>) {
                   if (!v.is_object()) throw std::invalid_argument("expected an object");
                 }
                 c.*member = v.get<T>();
               },
               [member](const TrainConfig& c) { return json(c.*member); }};
}

template <typename T>
Field optional_field(const char* key, T TrainConfig::*member) {
  Field f = field(key, member);
  f.only_when_given = true;
  return f;
}

const std::vector<Field>& fields() {
  static const std::vector<Field> table = {
      field("method", &TrainConfig::method),
      field("preset", &TrainConfig::preset),
      field("model", &TrainConfig::model),
      field("init_config", &TrainConfig::init_config),
      field("tokenizer", &TrainConfig::tokenizer),
      field("init_seed", &TrainConfig::init_seed),
      field("out", &TrainConfig::out),
      field("task", &TrainConfig::task),
      field("data", &TrainConfig::data),
      field("sft_data", &TrainConfig::sft_data),
      field("prompt_style", &TrainConfig::prompt_style),
      field("chat", &TrainConfig::chat),
      optional_field("num_fewshot", &TrainConfig::num_fewshot),
      optional_field("fewshot_seed", &TrainConfig::fewshot_seed),
      optional_field("fewshot_file", &TrainConfig::fewshot_file),
      optional_field("fewshot_data", &TrainConfig::fewshot_data),
      field("response_length", &TrainConfig::response_length),
      field("steps", &TrainConfig::steps),
      field("batch", &TrainConfig::batch),
      field("grad_accum", &TrainConfig::grad_accum),
      field("lr", &TrainConfig::lr),
      field("weight_decay", &TrainConfig::weight_decay),
      field("adam_beta1", &TrainConfig::adam_beta1),
      field("adam_beta2", &TrainConfig::adam_beta2),
      field("adam_eps", &TrainConfig::adam_eps),
      field("schedule", &TrainConfig::schedule),
      field("warmup_steps", &TrainConfig::warmup_steps),
      field("min_lr_ratio", &TrainConfig::min_lr_ratio),
      field("max_grad_norm", &TrainConfig::max_grad_norm),
      field("seed", &TrainConfig::seed),
      field("sft_eps", &TrainConfig::sft_eps),
      field("group_size", &TrainConfig::group_size),
      field("gen_length", &TrainConfig::gen_length),
      field("sampler_steps", &TrainConfig::sampler_steps),
      field("block_length", &TrainConfig::block_length),
      field("temperature", &TrainConfig::temperature),
      field("grading_mode", &TrainConfig::grading_mode),
      field("reward", &TrainConfig::reward),
      field("code_reward", &TrainConfig::code_reward),
      field("format_reward", &TrainConfig::format_reward),
      field("objective", &TrainConfig::objective),
      field("lora_rank", &TrainConfig::lora_rank),
      field("lora_alpha", &TrainConfig::lora_alpha),
      field("lora_dropout", &TrainConfig::lora_dropout),
      field("lora_targets", &TrainConfig::lora_targets),
      field("lora_merge", &TrainConfig::lora_merge),
      field("save_every", &TrainConfig::save_every),
      field("keep_checkpoints", &TrainConfig::keep_checkpoints),
      field("db", &TrainConfig::db),
      field("device", &TrainConfig::device),
      field("dtype", &TrainConfig::dtype),
      field("threads", &TrainConfig::threads),
      field("progress", &TrainConfig::progress),
  };
  return table;
}

}  // namespace

void apply_json(TrainConfig& config, const json& j, const std::string& source) {
  if (!j.is_object()) throw InputError(source, 0, "", "a training configuration must be a JSON object");
  for (const auto& [key, value] : j.items()) {
    // Recorded by `train` beside "chat" (which template --chat used, src/tokenizer/chat_format.hpp): derived from
    // the model folder, not an option, so a saved train_config.json can be given back to --config.
    if (key == "chat_template") continue;
    const Field* f = nullptr;
    for (const Field& candidate : fields())
      if (key == candidate.key) f = &candidate;
    if (!f) throw InputError(source, 0, key, fmt::format("unknown training option '{}'", key));
    try {
      f->set(config, value);
    } catch (const std::exception& e) {
      throw InputError(source, 0, key, fmt::format("'{}': {} (got {})", key, e.what(), value.dump()));
    }
  }
}

nlohmann::ordered_json to_json(const TrainConfig& config) {
  // Optional fields (the few-shot ones) are written only when given: a run without them records (and
  // resumes) exactly as runs did before they existed, and a record that has them differs from one that does not.
  const TrainConfig defaults;
  nlohmann::ordered_json out;
  for (const Field& f : fields()) {
    json value = f.get(config);
    if (f.only_when_given && value == f.get(defaults)) continue;
    out[f.key] = std::move(value);
  }
  return out;
}

void apply_file(TrainConfig& config, const std::string& path) {
  apply_json(config, read_json_file(path, "training configuration"), path);
}

TaskOptions TrainConfig::task_options() const {
  TaskOptions o;
  if (!prompt_style.empty()) o.own["prompt_style"] = prompt_style;
  o.fewshot = {num_fewshot, fewshot_seed, fewshot_file, fewshot_data};
  if (!task.empty() && !is_sft() && code_reward == "fraction" && task_runs_code(task)) o.run_all_tests = true;
  return o;
}

void validate(const TrainConfig& c) {
  auto positive = [](const char* name, std::int64_t v) {
    if (v <= 0) throw UsageError(fmt::format("train: {} must be positive (got {})", name, v));
  };
  if (c.out.empty()) throw UsageError("train: --out is required");
  if (c.model.empty() == c.init_config.empty())
    throw UsageError("train: give exactly one of --model DIR (a checkpoint) or --init-config FILE (from scratch)");
  positive("steps", c.steps);
  positive("batch", c.batch);
  positive("grad_accum", c.grad_accum);
  positive("gen_length", c.gen_length);
  positive("sampler_steps", c.sampler_steps);
  positive("block_length", c.block_length);
  positive("keep_checkpoints", c.keep_checkpoints);
  if (c.lr < 0) throw UsageError("train: lr must be >= 0");
  if (c.warmup_steps < 0 || c.save_every < 0) throw UsageError("train: warmup_steps and save_every must be >= 0");
  if (c.schedule != "constant" && c.schedule != "cosine")
    throw UsageError(fmt::format("train: schedule '{}' (expected constant or cosine)", c.schedule));
  if (c.code_reward != "fraction" && c.code_reward != "all")
    throw UsageError(fmt::format("train: code_reward '{}' (expected fraction or all)", c.code_reward));
  {
    const std::vector<std::string> names = reward_names();
    if (std::find(names.begin(), names.end(), c.reward) == names.end())
      throw UsageError(fmt::format("train: reward '{}' (expected one of: {})", c.reward, fmt::join(names, ", ")));
  }
  if (c.sft_eps <= 0 || c.sft_eps >= 1) throw UsageError("train: sft_eps must be in (0, 1)");
  if (c.lora_rank < 0) throw UsageError("train: lora_rank must be >= 0");
  if (c.lora_dropout < 0 || c.lora_dropout >= 1) throw UsageError("train: lora_dropout must be in [0, 1)");
  if (c.lora_merge && c.lora_rank == 0) throw UsageError("train: --lora-merge needs --lora-rank > 0");
  if (c.num_fewshot < -1 || c.fewshot_seed < -1)
    throw UsageError("train: num_fewshot and fewshot_seed must be >= 0 (or -1: not given)");
  if (!c.sft_data.empty() && c.task_options().fewshot.given())
    throw UsageError("train: few-shot prompts (--num-fewshot, --fewshot-*) need --task T --data FILE, not --sft-data");
  if (c.is_sft()) {
    if (c.sft_data.empty() == (c.task.empty() || c.data.empty()))
      throw UsageError("train --method sft: give --sft-data FILE or --task T --data FILE (not both)");
  } else {
    positive("group_size", c.group_size);
    if (c.task.empty() || c.data.empty())
      throw UsageError(fmt::format("train --method {}: RL needs --task T --data FILE (prompts and rewards)", c.method));
  }
  if (c.dtype != "f32" && c.dtype != "bf16")
    throw UsageError(fmt::format("train: dtype '{}' (expected f32 or bf16)", c.dtype));
}

}  // namespace trafl::training
