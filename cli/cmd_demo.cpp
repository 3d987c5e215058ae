// `trafl-eval demo`: the main job end to end on the embedded default (what ./scripts/demo runs).
#include "cli/commands.hpp"
#include "pipeline/demo.hpp"

namespace trafl::cli {

void add_demo_command(CLI::App& app) {
  auto opts = std::make_shared<DemoOptions>();
  auto* cmd = app.add_subcommand("demo", "Run the main job end to end on the embedded default");
  cmd->add_option("--out", opts->out_dir, "Output folder (run database, CSV/JSON, summary)")->capture_default_str();
  cmd->add_option("--problems", opts->problems, "Generated problems")->capture_default_str()->check(CLI::Range(1, 100000));
  cmd->add_option("--samples", opts->samples_per_problem, "Samples per problem and model")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--seed", opts->seed, "Seed for the generated data and the bootstrap")->capture_default_str();
  cmd->add_option("--bootstrap", opts->bootstrap, "Bootstrap resamples for the CIs")->capture_default_str();
  cmd->add_flag("!--no-progress", opts->progress, "No progress bars");
  cmd->callback([opts] { run_demo(*opts); });
}

}  // namespace trafl::cli
