// `trafl-eval demo`: the main job end to end on the embedded default (what ./scripts/demo runs).
#include "cli/commands.hpp"
#include "cli/torch_commands.hpp"
#include "cli/conventions.hpp"
#include "demo/demo.hpp"

namespace trafl::cli {

void add_demo_command(CLI::App& app) {
  auto opts = std::make_shared<DemoOptions>();
  auto* cmd = app.add_subcommand("demo", torch_command_description("demo"));
  cmd->add_option("--out", opts->out_dir, "Output folder (run database, report, summary)")->capture_default_str();
  cmd->add_option("--models", opts->models_dir, "Shipped checkpoints (base, math-*, code-*)")->capture_default_str();
  cmd->add_flag("--retrain", opts->retrain,
                "Train base and the post-trained models here (OUT/models) instead of loading them");
  cmd->add_option("--export-models", opts->export_models, "With --retrain: copy the final checkpoints here");
  cmd->add_flag("--quick", opts->quick, "CI scale: 2 problems per task and 16 samples (with --retrain: a few steps)");
  cmd->add_option("--problems", opts->problems, "Test problems per task (default: math 16, code 8; quick 2)")
      ->check(CLI::Range(1, 40));
  cmd->add_option("--samples", opts->samples_per_problem,
                  "Samples per problem, model and length (default 64; quick 16)")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--jobs", opts->jobs, "Campaign shards sampled at once (one CPU thread each)")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  cmd->add_option("--seed", opts->seed, "Sampling and bootstrap seed")->capture_default_str();
  cmd->add_option("--bootstrap", opts->bootstrap, "Bootstrap resamples for the CIs")->capture_default_str();
  cmd->add_flag("!--no-progress", opts->progress, "No progress bars");
  cmd->callback([opts] {
    opts->progress = opts->progress && !quiet();
    run_demo(*opts);
  });
}

}  // namespace trafl::cli
