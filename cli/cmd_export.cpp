// `trafl-eval export`: a run database's samples and grades in lm-eval / EvalPlus / LiveCodeBench
// shapes (to grade them there too and compare) or as flat JSONL/CSV for notebooks.
#include <fmt/format.h>

#include <memory>

#include "cli/commands.hpp"
#include "grade_stage/export_samples.hpp"

namespace trafl::cli {

namespace {
struct ExportFlags {
  ExportOptions options;
  std::string format;
};
}  // namespace

void add_export_command(CLI::App& app) {
  auto flags = std::make_shared<ExportFlags>();
  auto* cmd = app.add_subcommand(
      "export",
      "Write each run's samples and grades as lm-eval, EvalPlus or LiveCodeBench files (re-gradable there and "
      "by `grade`) or as flat JSONL/CSV (config keys as columns); one file per run");
  auto& o = flags->options;
  cmd->add_option("--db", o.db_path, "Run database")->required()->check(CLI::ExistingFile);
  cmd->add_option("--format", flags->format,
                  "lm-eval, evalplus (humaneval/mbpp runs), lcb (livecodebench runs), jsonl or csv")
      ->required();
  cmd->add_option("--out", o.out_dir, "Folder for the files (created if missing)")->required();
  cmd->add_option("--run", o.runs, "Run id(s) to export (default: every run the format applies to)");
  cmd->add_option("--mode", o.mode,
                  "Grading mode whose grades are written (default: per run, the mode with most grades)");
  cmd->callback([flags] {
    ExportOptions options = flags->options;
    options.format = parse_export_format(flags->format);
    auto result = export_runs(options);
    for (const auto& f : result.files)
      fmt::print("run {} ({}): {} samples, {} graded in mode {}, {} correct -> {}\n", f.run_id, f.task, f.samples,
                 f.graded, f.mode.empty() ? "(none)" : f.mode, f.correct, f.path);
    for (const auto& s : result.skipped) fmt::print("skipped {}: --format {} does not apply\n", s, flags->format);
  });
}

}  // namespace trafl::cli
