#pragma once
// The embedded default's recipe, in one place: the generated tasks, the tiny LLaDA model, how the
// base model is SFT-trained and how each post-training method starts from it, and how the demo
// samples. Everything a shipped checkpoint in models/tiny/ was made with is written here (and each
// checkpoint's train_config.json records the resolved settings), so `trafl-eval demo --retrain`
// reproduces them. Post-training settings are identical across methods except the objective and
// the learning rate, which is scaled by 1/μ for objectives that take μ optimiser steps per batch of
// rollouts, so that every method moves the weights by the same budget per batch.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "benchmarks/task.hpp"
#include "training/train_config.hpp"

namespace trafl::demo {

struct TaskSpec {
  std::string kind;                       // make-task kind: math | code
  std::string adapter;                    // gsm8k | livecodebench
  TaskOptions options;                    // what the adapter is built with (code: the short prompt style)
  int problems = 0;                       // test problems sampled (the first ones of the test split)
  std::vector<std::string> methods;       // post-training methods run on this task (see tasks())
  std::vector<std::int64_t> gen_lengths;  // the two evaluation lengths
  std::vector<std::int64_t> steps;        // sampler steps per length (2 tokens per step)
  std::int64_t rl_gen_length = 0;         // rollouts during post-training
  std::int64_t rl_steps = 0;
  std::int64_t rl_block_length = 0;
  double rl_lr = 0;  // per batch of rollouts: a method with μ optimiser steps per batch gets rl_lr / μ
};

// Scale of a run: the default demo, or --quick (CI: a few problems and samples, and with
// --retrain a few optimiser steps, exercising every stage in well under two minutes).
struct Scale {
  int problems = 0;                // test problems per task (0 = each task's own count)
  int samples = 64;                // samples per problem, model and length
  std::int64_t sft_steps = 10000;  // 4000 left the base at 1% pass@1 on the math test split (arithmetic not learnt)
  std::int64_t rl_steps = 50;
};
Scale default_scale();
Scale quick_scale();
// Test problems sampled for a task at a scale: the scale's override, else the task's own count.
int problem_count(const Scale& scale, const TaskSpec& task);

std::vector<TaskSpec> tasks();                     // math, code
std::vector<std::string> post_training_methods();  // trafl first, then the baselines (all of them)
constexpr const char* kBaseModel = "base";

// The tiny model: LLaDA architecture (RMSNorm, RoPE, SwiGLU, bidirectional attention, no biases)
// with the byte-level tokenizer's 262 tokens.
nlohmann::json tiny_model_config();

// Paths of one recipe instance.
struct Layout {
  std::string tasks_dir;   // make-task outputs: <tasks_dir>/<kind>/...
  std::string models_dir;  // checkpoints: <models_dir>/base, <models_dir>/<kind>-<method>
};
std::string base_dir(const Layout& layout);
std::string post_trained_dir(const Layout& layout, const TaskSpec& task, const std::string& method);
std::string sft_data_path(const Layout& layout);  // math + code SFT pairs, one file

training::TrainConfig base_sft_config(const Layout& layout, const Scale& scale, const std::string& init_config_path);
training::TrainConfig post_training_config(const Layout& layout, const Scale& scale, const TaskSpec& task,
                                           const std::string& method);

}  // namespace trafl::demo
