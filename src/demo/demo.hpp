#pragma once
// `trafl-eval demo`: the whole study on the embedded default (see demo_recipe.hpp):
//   1. tasks     make-task math (GSM8K format) and code (LiveCodeBench format), fixed seeds
//   2. models    the shipped checkpoints in models/tiny/ (base, and per task TraFL and each
//                baseline post-trained from base), or with --retrain the same recipe run here
//   3. sample    a campaign per task over every model at two generation lengths, n samples per
//                problem, sharded over the cores and graded as it goes (code in the sandbox);
//                resumable: a killed demo re-run samples only what is missing
//   4. diagnose  pass@k with CIs, Δpass@k vs base, crossover, the locking statistic λ
//   5. report    the HTML report, and a summary table on stdout and in summary.txt
#include <cstdint>
#include <string>

namespace trafl {

struct DemoOptions {
  std::string out_dir = "results/demo";
  std::string models_dir = "models/tiny";  // shipped checkpoints (ignored with retrain)
  bool retrain = false;                    // train base and the post-trained models into OUT/models
  std::string export_models;               // with retrain: copy the final checkpoints here (to ship them)
  bool quick = false;                      // CI scale: 2 problems, 16 samples (and few steps with retrain)
  int problems = 0;                        // test problems per task (0 = the scale's)
  int samples_per_problem = 0;             // n (0 = the scale's: 64, quick 16)
  int jobs = 2;                            // campaign shards sampled at once (one torch thread each)
  std::uint64_t seed = 1;                  // sampling seed (the recipe's training seeds are fixed)
  std::int64_t bootstrap = 1000;
  bool progress = true;
};

// Runs the demo, prints the summary and writes it to OUT/summary.txt; returns that path.
std::string run_demo(const DemoOptions& options);

}  // namespace trafl
