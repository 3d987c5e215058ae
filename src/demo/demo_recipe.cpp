#include "demo/demo_recipe.hpp"

#include <filesystem>

namespace trafl::demo {

namespace fs = std::filesystem;

Scale default_scale() { return Scale{}; }

Scale quick_scale() {
  Scale s;
  s.problems = 2;
  s.samples = 16;
  s.sft_steps = 30;
  s.rl_steps = 1;
  return s;
}

int problem_count(const Scale& scale, const TaskSpec& task) {
  return scale.problems > 0 ? scale.problems : task.problems;
}

std::vector<TaskSpec> tasks() {
  TaskSpec math;
  math.kind = "math";
  math.adapter = "gsm8k";
  // Problem counts are set by the 15-minute budget of a fresh `./scripts/demo` on 2 cores (build
  // included): sampling time is linear in them (README "The embedded default" has the stage times).
  math.problems = 16;
  math.methods = post_training_methods();
  math.gen_lengths = {32, 48};  // worked answers are at most 31 bytes (= tokens) long
  math.steps = {16, 24};
  math.rl_gen_length = 48;
  math.rl_steps = 24;
  math.rl_block_length = 48;
  math.rl_lr = 5e-4;  // half the SFT peak: the tiny model moves visibly within 50 steps
  TaskSpec code;
  code.kind = "code";
  code.adapter = "livecodebench";
  code.options.own["prompt_style"] = "short";
  code.problems = 8;  // a code sample costs ~3x a math one (longer, more steps, the sandbox)
  code.methods = post_training_methods();
  // Lengths that are multiples of the sampler's 32-token block, as LLaDA's own settings are. The
  // base model (SFT responses EOS-padded to 64 tokens) writes code at 64 (17-28% pass@1 on the first
  // 6 test problems) and 96 (25%), but at 48, 56, 72 and 80 it solves nothing, whatever the block
  // (48/48, 48/16, 56/56, 56/28, 72/72, 80/80 tried): the opening fence comes out mangled ("i``").
  code.gen_lengths = {64, 96};
  code.steps = {32, 48};
  code.rl_gen_length = 64;
  code.rl_steps = 32;
  code.rl_block_length = 32;
  // 5e-4 on code made TraFL diverge at step ~45 (loss 0.001 -> 2.3, grad norm 18, reward 0.95 -> 0);
  // every method then got 2e-4 on code (recorded in models/tiny/README.md).
  code.rl_lr = 2e-4;
  return {math, code};
}

std::vector<std::string> post_training_methods() { return training::objective_names(); }

nlohmann::json tiny_model_config() {
  return nlohmann::json{{"model_type", "llada"},
                        {"d_model", 64},
                        {"n_layers", 4},
                        {"n_heads", 4},
                        {"n_kv_heads", 4},
                        {"mlp_hidden_size", 192},
                        {"vocab_size", 262},
                        {"embedding_size", 264},
                        {"max_sequence_length", 256},
                        {"rope_theta", 10000.0},
                        {"mask_token_id", 261},
                        {"eos_token_id", 257},
                        {"pad_token_id", 257},
                        {"bos_token_id", 256},
                        {"activation_type", "silu"},
                        {"block_type", "llama"},
                        {"layer_norm_type", "rms"},
                        {"rope", true},
                        {"weight_tying", false},
                        {"alibi", false},
                        {"include_bias", false},
                        {"bias_for_layer_norm", false},
                        {"layer_norm_with_affine", true},
                        {"attention_layer_norm", false},
                        {"rope_full_precision", true},
                        {"input_emb_norm", false},
                        {"scale_logits", false},
                        {"block_group_size", 1}};
}

std::string base_dir(const Layout& layout) { return (fs::path(layout.models_dir) / kBaseModel).string(); }

std::string post_trained_dir(const Layout& layout, const TaskSpec& task, const std::string& method) {
  return (fs::path(layout.models_dir) / (task.kind + "-" + method)).string();
}

std::string sft_data_path(const Layout& layout) {
  return (fs::path(layout.tasks_dir) / "sft-math-code.jsonl").string();
}

training::TrainConfig base_sft_config(const Layout& layout, const Scale& scale, const std::string& init_config_path) {
  training::TrainConfig c;
  c.method = "sft";
  c.init_config = init_config_path;
  c.init_seed = 1;
  c.seed = 1;
  c.out = base_dir(layout);
  c.sft_data = sft_data_path(layout);
  c.chat = false;          // the tasks' own prompts ("Question: ...\nAnswer:")
  c.response_length = 64;  // answers + EOS padding; covers every evaluation length up to 64
  c.steps = scale.sft_steps;
  c.batch = 16;
  c.lr = 1e-3;
  c.schedule = "cosine";
  c.warmup_steps = std::min<std::int64_t>(100, scale.sft_steps / 10);
  c.min_lr_ratio = 0.1;
  c.save_every = 1000;
  c.threads = 1;  // on small matrices one thread per process beats two (measured on 2 cores)
  return c;
}

training::TrainConfig post_training_config(const Layout& layout, const Scale& scale, const TaskSpec& task,
                                           const std::string& method) {
  training::TrainConfig c;
  c.method = method;
  c.model = base_dir(layout);
  c.out = post_trained_dir(layout, task, method);
  c.task = task.adapter;
  c.prompt_style = task.options.own.value("prompt_style", "");
  c.data = (fs::path(layout.tasks_dir) / task.kind / "train.jsonl").string();
  c.chat = false;
  c.seed = 1;
  c.steps = scale.rl_steps;
  c.batch = 4;       // prompts per step
  c.group_size = 8;  // G completions per prompt
  c.gen_length = task.rl_gen_length;
  c.sampler_steps = task.rl_steps;
  c.block_length = task.rl_block_length;
  c.temperature = 1.0;  // rollouts explore; evaluation uses the campaign's temperature
  // The same Adam movement per batch of rollouts for every method: an objective that takes μ
  // optimiser steps on each batch (diffu-GRPO and wd1 12, ESPO 8) gets rl_lr / μ. At rl_lr itself
  // with μ steps, ESPO and wd1 collapsed within 3-12 steps on both tasks (reward -> 0, outputs lose
  // their format and EOS); at rl_lr / μ (or at rl_lr with μ = 1) they did not. See models/tiny/README.md.
  c.lr = task.rl_lr / training::default_inner_iterations(method);
  c.max_grad_norm = 1.0;
  c.code_reward = "fraction";
  c.save_every = 0;
  c.threads = 1;
  return c;
}

}  // namespace trafl::demo
