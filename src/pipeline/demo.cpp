#include "pipeline/demo.hpp"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>

#include "fixtures/synthetic_math.hpp"
#include "metrics/passk.hpp"
#include "metrics/passk_format.hpp"
#include "pipeline/grade_samples.hpp"
#include "report/report.hpp"
#include "store/store.hpp"

namespace trafl {

namespace {

constexpr const char* kTask = "synthetic";
constexpr const char* kPrimaryMode = "symbolic";
constexpr const char* kBaselineModel = "base";  // the diagnostics compare every model with it
constexpr const char* kReferenceMode = "hendrycks";  // the original MATH normaliser, for contrast

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

const PasskPoint* point_at(const PasskResult& r, std::int64_t k) {
  for (const auto& p : r.points)
    if (p.k == k) return &p;
  return nullptr;
}

std::string pct(const PasskPoint* p) {
  if (!p) return "-";
  if (!p->has_ci) return fmt::format("{:.1f}%", 100 * p->value);
  return fmt::format("{:.1f}% [{:.1f}, {:.1f}]", 100 * p->value, 100 * p->ci_low, 100 * p->ci_high);
}

}  // namespace

std::string run_demo(const DemoOptions& options) {
  namespace fs = std::filesystem;
  auto t_start = std::chrono::steady_clock::now();
  fs::path out = options.out_dir;
  fs::create_directories(out);
  std::string db_path = (out / "demo.db").string();

  // 1. The embedded default: a generated math task and simulated samples (see fixtures/synthetic_math.hpp).
  auto t0 = std::chrono::steady_clock::now();
  fixtures::FixtureOptions fx;
  fx.problems = options.problems;
  fx.samples_per_problem = options.samples_per_problem;
  fx.seed = options.seed;
  auto files = fixtures::write_fixtures((out / "fixtures").string(), fx);
  double t_fixtures = seconds_since(t0);
  fmt::print("demo: {} problems, {} simulated models x {} samples per problem -> {}\n", options.problems,
             files.samples.size(), options.samples_per_problem, (out / "fixtures").string());

  // 2. Grade every model's samples in the primary mode and in the reference mode.
  t0 = std::chrono::steady_clock::now();
  std::map<std::string, GradeSummary> graded;  // model → primary-mode summary
  for (const auto& [model, samples_path] : files.samples) {
    for (const char* mode : {kPrimaryMode, kReferenceMode}) {
      GradeOptions g;
      g.task = kTask;
      g.data_path = files.problems;
      g.samples_path = samples_path;
      g.db_path = db_path;
      g.model = model;
      g.mode = mode;
      g.progress = options.progress;
      auto summary = grade_samples(g);
      if (std::string(mode) == kPrimaryMode) graded[model] = summary;
    }
  }
  double t_grade = seconds_since(t0);

  // 3. pass@k with bootstrap CIs, overall and by level.
  t0 = std::chrono::steady_clock::now();
  Store store(db_path, Store::OpenMode::kExisting);
  OutcomeQuery query;
  query.task = kTask;
  query.mode = kPrimaryMode;
  PasskOptions popts;
  popts.bootstrap = options.bootstrap;
  popts.seed = options.seed;
  auto passk_report = compute_passk(store.outcomes(query), popts);
  query.by = "level";
  auto by_level = compute_passk(store.outcomes(query), popts, "level");
  double t_passk = seconds_since(t0);

  write_text(out / "passk.csv", format_passk_csv(passk_report));
  write_text(out / "passk.json", format_passk_json(passk_report));
  write_text(out / "passk_by_level.csv", format_passk_csv(by_level));

  // 4. Diagnostics against the base model, and the HTML report (which recomputes them).
  t0 = std::chrono::steady_clock::now();
  report::Options ropts;
  ropts.out_dir = (out / "report").string();
  ropts.diagnostics.baseline = kBaselineModel;
  ropts.diagnostics.mode = kPrimaryMode;
  ropts.diagnostics.bootstrap = options.bootstrap;
  ropts.diagnostics.seed = options.seed;
  ropts.title = "trafl-eval demo (simulated samples)";
  auto written = report::write(store, ropts);
  double t_report = seconds_since(t0);

  // 5. The summary a person reads.
  std::string s;
  s += fmt::format("\npass@k on the synthetic task ({} mode, {} bootstrap resamples, 95% CI)\n", kPrimaryMode,
                   options.bootstrap);
  s += format_passk_table(passk_report);
  s += "\nby level (pass@1 and pass@k at the largest k):\n";
  for (const auto& r : by_level.results) {
    if (!r.split || r.points.empty()) continue;
    s += fmt::format("  {:<8} level {:<3} pass@1 {:<22} pass@{} {}\n", r.group.model, *r.split, pct(point_at(r, 1)),
                     r.points.back().k, pct(&r.points.back()));
  }
  s += "\nsummary\n";
  s += fmt::format("  {:<8} {:>9} {:>9} {:>24} {:>24}\n", "model", "samples", "correct", "pass@1", "pass@k (largest k)");
  for (const auto& r : passk_report.results) {
    if (r.points.empty()) continue;
    s += fmt::format("  {:<8} {:>9} {:>9} {:>24} {:>24}\n", r.group.model, r.samples, r.correct, pct(point_at(r, 1)),
                     fmt::format("k={} {}", r.points.back().k, pct(&r.points.back())));
  }
  for (const auto& note : passk_notes(passk_report)) s += note + "\n";
  s += fmt::format("\ngrading modes: {} vs {} (the original MATH string normaliser) on the same samples\n", kPrimaryMode,
                   kReferenceMode);
  for (const auto& [model, summary] : graded) {
    auto agreement = store.mode_agreement(summary.run_id, kPrimaryMode, kReferenceMode);
    s += fmt::format("  {:<8} {} samples: {} correct only under {}, {} correct only under {}\n", model,
                     agreement.both_graded, agreement.only_a_correct, kPrimaryMode, agreement.only_b_correct,
                     kReferenceMode);
  }
  s += fmt::format("\nstage times: fixtures {:.2f}s, grade ({} modes) {:.2f}s, pass@k {:.2f}s, diagnose+report {:.2f}s, "
                   "total {:.2f}s\n",
                   t_fixtures, 2, t_grade, t_passk, t_report, seconds_since(t_start));
  s += fmt::format("report: {} ({} figures; diagnostics vs '{}' in {})\n", written.html, written.figures.size(),
                   kBaselineModel, (out / "report" / "diagnostics").string());
  s += fmt::format("run database: {}\n", db_path);
  s += "note: the samples are SIMULATED (template text with chosen success rates), not model outputs;\n"
       "      they exercise load -> grade -> store -> pass@k -> diagnose -> report until campaigns over tiny\n"
       "      models trained here (issue 7) replace them. Simulated samples carry no trajectories, so the\n"
       "      report's trajectory-diversity figures are empty here.\n";
  fmt::print("{}", s);
  auto summary_path = out / "summary.txt";
  write_text(summary_path, s);
  return summary_path.string();
}

}  // namespace trafl
