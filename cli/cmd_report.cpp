// `trafl-eval report`: a self-contained HTML report (inline SVG/CSS, no network) with pass@k
// curves, per-split tables, the trajectory-locking diagnostics, run configurations and per-problem
// sample pages and pictures of the denoising paths; plus figures/*.svg|csv (and .pdf/.png when
// rsvg-convert is installed).
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "cli/conventions.hpp"
#include "core/error.hpp"
#include "diagnostics/diagnostics.hpp"
#include "report/report.hpp"
#include "store/store.hpp"

namespace trafl::cli {

namespace {

struct ReportArgs {
  std::string db;
  bool no_png = false;
  bool no_pdf = false;
  report::Options options;
};

void run_report(const ReportArgs& a) {
  Store store(a.db, Store::OpenMode::kReadOnly);  // a missing file is an InputError
  report::Options o = a.options;
  o.png = !a.no_png;
  o.pdf = !a.no_pdf;
  // Two stages, each announced: the diagnostics (a progress line per model × cell), then the page,
  // figures and problem pages.
  o.diagnostics.progress = !quiet();
  const auto result = diagnostics::run(store, o.diagnostics);
  if (!quiet()) std::fprintf(stderr, "writing %s/report.html, its figures and problem pages...\n", o.out_dir.c_str());
  const auto s = report::write(store, o, result);
  for (const auto& n : s.notes) note(n);
  if (!s.png_note.empty()) note(s.png_note);
  fmt::print(
      "wrote {}\n  {} figures (SVG + CSV){}{} in {}/figures\n  {} problem pages (at most {} samples each per model and "
      "configuration; {} unmasking-order pictures)\n",
      s.html, s.figures.size(), s.pdfs.empty() ? "" : fmt::format(", {} PDF", s.pdfs.size()),
      s.pngs.empty() ? "" : fmt::format(", {} PNG", s.pngs.size()), o.out_dir, s.problem_pages, o.samples_per_problem,
      s.problem_figures.size());
}

}  // namespace

void add_report_command(CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  auto* cmd = app.add_subcommand("report",
                                 "Self-contained HTML report with pass@k curves, diagnostics and per-problem samples");
  cmd->add_option("--db", args->db, "Run database (must exist)")->required();
  cmd->add_option("--out", args->options.out_dir, "Output directory (report.html, figures/, problems/, diagnostics/)")
      ->required();
  cmd->add_option("--baseline", args->options.diagnostics.baseline, "Model to compare the others with");
  cmd->add_option("--task", args->options.diagnostics.task, "Only this task");
  cmd->add_option("--mode", args->options.diagnostics.mode,
                  "Grading mode (default: the task's default mode when graded)");
  cmd->add_option("--title", args->options.title, "Report title")->capture_default_str();
  cmd->add_option("--samples-per-problem", args->options.samples_per_problem,
                  "Samples shown per problem, model and configuration on the problem pages (0: no problem pages)")
      ->capture_default_str();
  cmd->add_option("--bootstrap", args->options.diagnostics.bootstrap, "Bootstrap resamples (0: no CIs)")
      ->capture_default_str();
  cmd->add_option("--seed", args->options.diagnostics.seed, "Bootstrap / pair-sampling seed")->capture_default_str();
  cmd->add_option("--confidence", args->options.diagnostics.confidence, "Confidence level")->capture_default_str();
  cmd->add_option("--max-pairs", args->options.diagnostics.max_pairs, "Trajectory pairs per problem (0: all)")
      ->capture_default_str();
  cmd->add_flag("--no-png", args->no_png, "Do not convert figures to PNG even when rsvg-convert is installed");
  cmd->add_flag("--no-pdf", args->no_pdf, "Do not convert figures to PDF even when rsvg-convert is installed");
  cmd->callback([args] { run_report(*args); });
}

}  // namespace trafl::cli
