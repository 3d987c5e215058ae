// `trafl-eval grade`: import a samples file into the run database and grade it (resumable).
#include <fmt/format.h>

#include <memory>

#include "benchmarks/task.hpp"
#include "cli/commands.hpp"
#include "codegrade/code_task.hpp"
#include "codegrade/harness.hpp"
#include "core/error.hpp"
#include "pipeline/grade_samples.hpp"

namespace trafl::cli {

namespace {
struct GradeFlags {
  GradeOptions options;
  std::string shape = "auto";
  std::string lm_eval_field = "resps";
  bool quiet = false;
  TaskOptions task;                    // selection and code-running options (defaults: the task's own)
  codegrade::SandboxSettings sandbox;  // code tasks only
};

// Code-task and selection flags. Defaults mean "the task's own", so math tasks are unaffected
// unless a flag is given (and then refuse it by name).
void add_task_flags(CLI::App* cmd, GradeFlags& f) {
  auto& t = f.task;
  cmd->add_option("--release", t.release,
                  "livecodebench: release_v1..release_v6 (cumulative), release_latest, v1..v6 or vX_vY; --data is then "
                  "the directory holding test.jsonl..test6.jsonl, or one file whose rows carry _version");
  cmd->add_option("--since", t.since, "livecodebench: keep problems with contest_date >= this (ISO prefix, e.g. 2024-08-01)");
  cmd->add_option("--until", t.until, "livecodebench: keep problems with contest_date <= this (ISO prefix, inclusive)");
  cmd->add_option("--difficulty", t.difficulties, "livecodebench: keep these difficulties (easy,medium,hard)")->delimiter(',');
  cmd->add_option("--platform", t.platforms, "livecodebench: keep these platforms (atcoder,codeforces,leetcode)")->delimiter(',');
  cmd->add_option("--prompt-style", t.prompt_style, "livecodebench: lcb (default) or short (\"Question: ...\\nAnswer:\\n\")");
  cmd->add_option("--test-timeout", t.test_timeout_s, "code tasks: CPU seconds per test (default: livecodebench 6, humaneval/mbpp 3)");
  cmd->add_flag("--all-tests", t.run_all_tests, "code tasks: run every test (default: stop at the first failure)");
  cmd->add_option("--memory", t.memory_mb, "code tasks: memory limit per run in MB (default 1024)");
  cmd->add_option("--sandbox-tier", f.sandbox.tier, "code tasks: force an isolation tier 1-4 (default: the best the probe finds)");
  cmd->add_flag("--allow-unsandboxed", f.sandbox.allow_unsandboxed,
                "code tasks: run even when no isolation is available (DANGEROUS; tier 4)");
  cmd->add_option("--workers", f.sandbox.workers, "code tasks: sandbox slots, i.e. programs run at once (default: cores)");
  cmd->add_option("--python", f.sandbox.python, "code tasks: interpreter (default python3, resolved once to the real binary)");
}

void print_summary(const GradeSummary& s, const std::string& db) {
  fmt::print("run {}: model {}, task {}, mode {}\n", s.run_id, s.model, s.task, s.mode);
  fmt::print("  samples  {} in file ({} problems of {}), {} new, {} in run\n", s.samples_in_file, s.problems_with_samples,
             s.problems, s.samples_new, s.samples_total);
  if (!s.lm_eval_filter.empty())
    fmt::print("  lm-eval  filter '{}' ({} lines of other filters skipped)\n", s.lm_eval_filter, s.lines_skipped);
  double pct = s.grades_total > 0 ? 100.0 * static_cast<double>(s.correct) / static_cast<double>(s.grades_total) : 0.0;
  fmt::print("  grades   {} new, {} in run, {} correct ({:.1f}%)\n", s.grades_new, s.grades_total, s.correct, pct);
  fmt::print("  database {} ({:.1f}s)\n", db, s.seconds);
}
}  // namespace

void add_grade_command(CLI::App& app) {
  auto flags = std::make_shared<GradeFlags>();
  auto* cmd = app.add_subcommand("grade", "Import a samples file into the run database and grade it (resumable, idempotent)");
  auto& o = flags->options;
  cmd->add_option("--task", o.task, "Task name (see `trafl-eval tasks`)")->required();
  cmd->add_option("--data", o.data_path, "The task's data file")->required();
  cmd->add_option("--samples", o.samples_path, "Samples file (.jsonl or .jsonl.gz)")->required();
  cmd->add_option("--db", o.db_path, "Run database (SQLite; created if missing)")->required();
  cmd->add_option("--model", o.model, "Model name for the run (default: the samples file's stem)");
  cmd->add_option("--mode", o.mode, "Grading mode (default: the task's default mode)");
  cmd->add_option("--shape", flags->shape, "Samples file shape: auto, trafl, lm-eval, task-id")->capture_default_str();
  cmd->add_option("--lm-eval-field", flags->lm_eval_field, "lm-eval samples: resps (raw generations) or filtered_resps")
      ->capture_default_str();
  cmd->add_option("--lm-eval-filter", o.reader.lm_eval_filter, "lm-eval samples: read lines of this filter (default: the first)");
  cmd->add_option("--batch-size", o.batch_size, "Samples per transaction")->capture_default_str();
  cmd->add_option("--threads", o.threads, "Grading threads (0 = by hardware, at most 8)")->capture_default_str();
  cmd->add_flag("--quiet,-q", flags->quiet, "No progress bars");
  add_task_flags(cmd, *flags);
  cmd->callback([flags] {
    GradeOptions options = flags->options;
    options.task_object = make_task(options.task, flags->task);
    const auto& sb = flags->sandbox;
    bool sandbox_flags = !sb.tier.empty() || sb.allow_unsandboxed || sb.workers > 0 || !sb.python.empty();
    if (sandbox_flags && !dynamic_cast<const codegrade::SandboxedGrading*>(options.task_object.get()))
      throw UsageError(fmt::format("task {} runs no code: --sandbox-tier/--allow-unsandboxed/--workers/--python do not apply",
                                   options.task));
    codegrade::configure_shared_sandbox(sb);
    options.reader.shape = parse_samples_shape(flags->shape);
    options.reader.lm_eval_field = parse_lm_eval_field(flags->lm_eval_field);
    options.progress = !flags->quiet;
    auto summary = grade_samples(options);
    print_summary(summary, options.db_path);
  });
}

}  // namespace trafl::cli
