// `trafl-eval grade`: import a samples file into the run database and grade it (resumable).
#include <fmt/format.h>

#include <memory>

#include "benchmarks/task.hpp"
#include "cli/commands.hpp"
#include "cli/conventions.hpp"
#include "cli/task_flags.hpp"
#include "grade_stage/grade_samples.hpp"

namespace trafl::cli {

namespace {
struct GradeFlags {
  GradeOptions options;
  std::string shape = "auto";
  std::string lm_eval_field = "resps";
  TaskFlags task;  // selection, code-running and sandbox options (defaults: the task's own)
};

void print_summary(const GradeSummary& s, const std::string& db) {
  fmt::print("run {}: model {}, task {}, mode {}\n", s.run_id, s.model, s.task, s.mode);
  fmt::print("  samples  {} in file ({} problems of {}), {} new, {} in run\n", s.samples_in_file,
             s.problems_with_samples, s.problems, s.samples_new, s.samples_total);
  if (!s.lm_eval_filter.empty())
    fmt::print("  lm-eval  filter '{}' ({} lines of other filters skipped)\n", s.lm_eval_filter, s.lines_skipped);
  if (s.lines_by_question > 0)
    fmt::print(
        "  ids      {} lines found their problem by its text, not their id (lm-eval counts doc_id within its "
        "subtask)\n",
        s.lines_by_question);
  double pct = s.grades_total > 0 ? 100.0 * static_cast<double>(s.correct) / static_cast<double>(s.grades_total) : 0.0;
  fmt::print("  grades   {} new, {} in run, {} correct ({:.1f}%)\n", s.grades_new, s.grades_total, s.correct, pct);
  fmt::print("  database {} ({:.1f}s)\n", db, s.seconds);
}
}  // namespace

void add_grade_command(CLI::App& app) {
  auto flags = std::make_shared<GradeFlags>();
  auto* cmd =
      app.add_subcommand("grade", "Import a samples file into the run database and grade it (resumable, idempotent)");
  auto& o = flags->options;
  cmd->add_option("--task", o.task, "Task name (see `trafl-eval tasks`), or a task file (*.yaml)")->required();
  cmd->add_option("--data", o.data_path, "The task's data file (default: the one a task file names)");
  cmd->add_option("--samples", o.samples_path, "Samples file (.jsonl, .jsonl.gz, or LiveCodeBench's .json array)")
      ->required();
  cmd->add_option("--db", o.db_path, "Run database (SQLite; created if missing)")->required();
  cmd->add_option("--model", o.model, "Model name for the run (default: the samples file's stem)");
  cmd->add_option("--mode", o.mode, "Grading mode (default: the task's default mode)");
  cmd->add_option("--shape", flags->shape, "Samples file shape: auto, trafl, lm-eval, task-id, lcb")
      ->capture_default_str();
  cmd->add_option("--lm-eval-field", flags->lm_eval_field, "lm-eval samples: resps (raw generations) or filtered_resps")
      ->capture_default_str();
  cmd->add_option("--lm-eval-filter", o.reader.lm_eval_filter,
                  "lm-eval samples: read lines of this filter (default: the first)");
  cmd->add_option("--batch-size", o.batch_size, "Samples per transaction")->capture_default_str();
  cmd->add_option("--threads", o.threads, "Grading threads (0 = by hardware, at most 8)")->capture_default_str();
  add_task_flags(cmd, flags->task);
  cmd->callback([flags] {
    GradeOptions options = flags->options;
    options.task_object = make_task_from_flags(options.task, flags->task);
    options.data_path = data_path_for(*options.task_object, options.data_path);
    options.reader.shape = parse_samples_shape(flags->shape);
    options.reader.lm_eval_field = parse_lm_eval_field(flags->lm_eval_field);
    options.progress = !quiet();
    auto summary = grade_samples(options);
    print_summary(summary, options.db_path);
  });
}

}  // namespace trafl::cli
