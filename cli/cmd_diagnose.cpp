// `trafl-eval diagnose`: trajectory-locking diagnostics per model × task × decoding cell (pass@k with
// CIs and its paired difference to a baseline, crossover k, coverage, distinct correct answers,
// answer entropy, unmasking-order diversity, locking λ). Tables to stdout; --out writes CSV/JSON.
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "cli/conventions.hpp"
#include "core/error.hpp"
#include "diagnostics/diagnostics.hpp"
#include "diagnostics/output.hpp"
#include "store/store.hpp"

namespace trafl::cli {

namespace {

struct DiagnoseArgs {
  std::string db;
  std::string out;
  std::string format = "table";
  diagnostics::Options options;
};

void run_diagnose(const DiagnoseArgs& a) {
  if (a.format != "table" && a.format != "json")
    throw UsageError(fmt::format("--format must be table or json, got '{}'", a.format));
  Store store(a.db, Store::OpenMode::kReadOnly);  // a missing file is an InputError
  diagnostics::Options options = a.options;
  options.progress = !quiet();
  const auto result = diagnostics::run(store, options);
  if (a.format == "json")
    fmt::print("{}\n", diagnostics::to_json(result).dump(2));
  else
    fmt::print("{}", diagnostics::format_tables(result));
  std::fflush(stdout);
  for (const auto& n : result.notes) note(n);
  if (!a.out.empty())
    for (const auto& path : diagnostics::write_outputs(result, a.out))
      if (!quiet()) std::fprintf(stderr, "wrote %s\n", path.c_str());
}

}  // namespace

void add_diagnose_command(CLI::App& app) {
  auto args = std::make_shared<DiagnoseArgs>();
  auto* cmd = app.add_subcommand("diagnose",
                                 "Trajectory-locking diagnostics: pass@k vs a baseline, distinct correct answers, "
                                 "unmasking-order diversity, locking statistic");
  cmd->add_option("--db", args->db, "Run database (must exist)")->required();
  cmd->add_option("--baseline", args->options.baseline,
                  "Model to compare every other model with (e.g. the base model)");
  cmd->add_option("--task", args->options.task, "Only this task");
  cmd->add_option("--mode", args->options.mode, "Grading mode (default: the task's default mode when graded)");
  cmd->add_option("--out", args->out,
                  "Also write passk/distinct/baseline/summary/problems CSV and diagnostics.json here");
  cmd->add_option("--format", args->format, "stdout format: table | json")->capture_default_str();
  cmd->add_option("--bootstrap", args->options.bootstrap, "Bootstrap resamples over problems (0: no CIs)")
      ->capture_default_str();
  cmd->add_option("--seed", args->options.seed, "Seed of the bootstrap and of trajectory-pair sampling")
      ->capture_default_str();
  cmd->add_option("--confidence", args->options.confidence, "Confidence level of the intervals")->capture_default_str();
  cmd->add_option("--max-pairs", args->options.max_pairs,
                  "Trajectory pairs per problem for order distances (0: all pairs)")
      ->capture_default_str();
  cmd->add_option("--threads", args->options.threads, "Bootstrap threads (0: all cores; results do not depend on it)");
  cmd->callback([args] { run_diagnose(*args); });
}

}  // namespace trafl::cli
