// trafl-eval make-fixtures: writes a generated math problem set and SIMULATED samples for the demo
// and for tests. The samples are template text from a random generator, not model outputs.
#include <fmt/format.h>

#include <memory>

#include "cli/commands.hpp"
#include "fixtures/synthetic_math.hpp"

namespace trafl::cli {

void add_make_fixtures_command(CLI::App& app) {
  struct Options {
    std::string out;
    fixtures::FixtureOptions fx;
  };
  auto opt = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "make-fixtures",
      "Write synthetic fixtures: a generated math problem set (MATH-500 shape, task 'synthetic') and SIMULATED "
      "samples for simulated models 'base' and 'locked'. The samples are generated text for exercising the grading "
      "pipeline, NOT outputs of any model. Same seed, same bytes.");
  cmd->add_option("--out", opt->out, "output directory (created if needed)")->required();
  cmd->add_option("--problems", opt->fx.problems, "number of generated problems")->capture_default_str();
  cmd->add_option("--samples-per-problem", opt->fx.samples_per_problem, "simulated samples per problem and model")
      ->capture_default_str();
  cmd->add_option("--seed", opt->fx.seed, "seed (same seed, same bytes)")->capture_default_str();
  cmd->add_option("--train", opt->fx.train_problems, "also write train.jsonl with this many further problems (0: none)")
      ->capture_default_str();
  cmd->callback([opt] {
    auto files = fixtures::write_fixtures(opt->out, opt->fx);
    fmt::print("wrote {} ({} problems, task 'synthetic')\n", files.problems, opt->fx.problems);
    if (!files.train.empty()) fmt::print("wrote {} ({} problems)\n", files.train, opt->fx.train_problems);
    for (const auto& [model, path] : files.samples) {
      fmt::print("wrote {} ({} SIMULATED samples, simulated model '{}')\n", path, files.sample_count, model);
    }
    fmt::print("wrote {} (what these files are)\n", files.readme);
    fmt::print("note: the samples are simulated for exercising the pipeline; they are not model outputs\n");
  });
}

}  // namespace trafl::cli
