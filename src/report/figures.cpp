#include "report/figures.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "diagnostics/csv.hpp"
#include "metrics/bootstrap.hpp"
#include "report/html.hpp"
#include "report/svg_plot.hpp"

namespace trafl::report {

namespace {

using diagnostics::csv_row;
using diagnostics::KStat;
using diagnostics::num;

std::string ci_fields(const KStat& s, bool low) { return s.has_ci ? num(low ? s.ci_low : s.ci_high) : ""; }

// Mean and percentile interval over problems of the four order-diversity figures, from the
// problems with ≥ 2 correct trajectories (those that define them).
struct Diversity {
  std::int64_t problems = 0;
  double mean[4] = {0, 0, 0, 0};
  bool has_ci = false;
  Interval ci[4];
};

Diversity diversity_of(const diagnostics::ModelResult& m, const std::string& cell_slug, const diagnostics::Options& o) {
  std::vector<double> rows;
  for (const auto& p : m.per_problem)
    if (p.kendall && p.step_distance && p.distinct_orders && p.position_entropy)
      rows.insert(rows.end(), {*p.kendall, *p.step_distance, *p.distinct_orders, *p.position_entropy});
  Diversity d;
  d.problems = static_cast<std::int64_t>(rows.size() / 4);
  if (d.problems == 0) return d;
  for (std::size_t i = 0; i < rows.size(); ++i) d.mean[i % 4] += rows[i] / static_cast<double>(d.problems);
  if (o.bootstrap > 0 && d.problems >= 2) {
    BootstrapOptions bo;
    bo.resamples = o.bootstrap;
    bo.seed = derive_seed(o.seed, "diversity\x1f" + cell_slug + "\x1f" + m.model);
    bo.confidence = o.confidence;
    bo.threads = o.threads;
    const auto ci = bootstrap_mean_ci(rows.data(), static_cast<std::size_t>(d.problems), 4, bo);
    for (int j = 0; j < 4; ++j) d.ci[j] = ci[j];
    d.has_ci = true;
  }
  return d;
}

}  // namespace

Series series_of(const std::string& model, int style, const std::vector<KStat>& stats) {
  Series s;
  s.name = model;
  s.key = slug(model);
  s.style = style;
  bool ci = !stats.empty() && stats.front().has_ci;
  for (const auto& p : stats) {
    s.x.push_back(static_cast<double>(p.k));
    s.y.push_back(p.value);
    if (ci) s.low.push_back(p.ci_low), s.high.push_back(p.ci_high);
  }
  return s;
}

bool single_answer(const diagnostics::Cell& cell) {
  for (const auto& m : cell.models)
    for (const auto& p : m.per_problem)
      if (p.correct_counts.size() > 1) return false;
  return true;
}

std::string csv_with_header(const Figure& fig) {
  auto line = [](std::string text) {  // one comment line: no newline may start an unmarked row
    for (auto& ch : text)
      if (ch == '\n' || ch == '\r') ch = ' ';
    return "# " + text + "\n";
  };
  return line(fig.subtitle.empty() ? fig.title : fig.title + " — " + fig.subtitle) + line(fig.caption) + fig.csv;
}

std::vector<Figure> cell_figures(const diagnostics::Cell& cell, const std::map<std::string, int>& styles,
                                 const std::string& baseline, const diagnostics::Options& options) {
  std::vector<Figure> out;
  const std::string where = fmt::format("{} · {}", cell.task, cell.label);
  auto style = [&](const std::string& m) {
    auto it = styles.find(m);
    return it == styles.end() ? 0 : it->second;
  };
  const bool bands = !cell.models.empty() && !cell.models[0].passk.empty() && cell.models[0].passk[0].has_ci;
  const std::string level = fmt::format("{:g}%", 100 * options.confidence);

  {  // pass@k, and with ≥ 3 models the same curves one panel per model
    LineChart c;
    c.id = "passk_" + cell.slug;
    c.title = "pass@k — " + where;
    c.x_label = "k (samples per problem, log scale)";
    c.y_label = "pass@k (%)";
    c.percent = true;
    c.y_min = 0.0;
    c.y_max = 1.0;
    std::string csv = csv_row({"model", "k", "pass_at_k", "ci_low", "ci_high"});
    for (const auto& m : cell.models) {
      c.series.push_back(series_of(m.model, style(m.model), m.passk));
      for (const auto& p : m.passk)
        csv += csv_row({m.model, std::to_string(p.k), num(p.value), ci_fields(p, true), ci_fields(p, false)});
    }
    const bool whiskers = cell.models.size() >= 3;
    const std::string how = !bands     ? "no bootstrap intervals."
                            : whiskers ? fmt::format(
                                             "bars: {} percentile bootstrap intervals over problems at each measured k "
                                             "(the models side by side; each model's band is in the per-model panels).",
                                             level)
                                       : fmt::format("bands: {} percentile bootstrap intervals over problems.", level);
    out.push_back({c.id, "pass@k", where, "One line per model; " + how, render(c), csv});
    if (whiskers) {
      LineChart p = c;
      p.id = "passkpanels_" + cell.slug;
      p.title = "pass@k per model — " + where;
      out.push_back(
          {p.id, "pass@k per model", where,
           bands ? fmt::format(
                       "One panel per model: its line and {} bootstrap band; the other models in grey for reference. "
                       "Same data as the pass@k figure.",
                       level)
                 : "One panel per model; the other models in grey for reference.",
           render_panels(p), csv});
    }
  }
  bool any_delta = false;
  for (const auto& m : cell.models) any_delta = any_delta || (m.vs_baseline && !m.vs_baseline->delta.empty());
  if (any_delta) {
    LineChart c;
    c.id = "delta_" + cell.slug;
    c.title = "Δpass@k vs " + baseline + " — " + where;
    c.x_label = "k (log scale)";
    c.y_label = "Δ pass@k (points)";
    c.percent = true;
    c.zero_line = true;
    std::string csv = csv_row({"model", "baseline", "k", "delta", "ci_low", "ci_high", "common_problems"});
    for (const auto& m : cell.models) {
      if (!m.vs_baseline) continue;
      c.series.push_back(series_of(m.model, style(m.model), m.vs_baseline->delta));
      for (const auto& d : m.vs_baseline->delta)
        csv += csv_row({m.model, baseline, std::to_string(d.k), num(d.value), ci_fields(d, true), ci_fields(d, false),
                        std::to_string(m.vs_baseline->common_problems)});
    }
    out.push_back({c.id, "Δpass@k vs " + baseline, where,
                   "pass@k(model) − pass@k(" + baseline +
                       ") over the problems both have, paired bootstrap intervals; below the zero "
                       "line the model is worse at that budget.",
                   render(c), csv});
  }
  if (!single_answer(cell)) {  // distinct correct answers
    LineChart c;
    c.id = "distinct_" + cell.slug;
    c.title = "Distinct correct answers — " + where;
    c.x_label = "k (log scale)";
    c.y_label = "E[distinct correct answers]";
    c.y_min = 0.0;
    std::string csv =
        csv_row({"model", "k", "distinct_correct", "ci_low", "ci_high", "distinct_answers", "da_ci_low", "da_ci_high"});
    for (const auto& m : cell.models) {
      c.series.push_back(series_of(m.model, style(m.model), m.distinct_correct));
      for (std::size_t j = 0; j < m.distinct_correct.size(); ++j) {
        const auto& dc = m.distinct_correct[j];
        const auto& da = m.distinct_answers[j];
        csv += csv_row({m.model, std::to_string(dc.k), num(dc.value), ci_fields(dc, true), ci_fields(dc, false),
                        num(da.value), ci_fields(da, true), ci_fields(da, false)});
      }
    }
    out.push_back(
        {c.id, "Distinct correct answers", where,
         "Expected number of distinct correct final answers among k samples (exact over all k-subsets), mean over problems.",
         render(c), csv});
  }
  bool any_traj = false;
  for (const auto& m : cell.models) any_traj = any_traj || m.trajectory.problems > 0;
  if (any_traj) {
    BarChart c;
    c.id = "diversity_" + cell.slug;
    c.title = "Unmasking-order diversity among correct samples — " + where;
    c.y_label = "diversity (0 = locked)";
    c.categories = {"Kendall", "step dist.", "orders", "pos. entropy"};
    c.min_count = kMinDiversityProblems;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::string csv = csv_row({"model", "measure", "value", "ci_low", "ci_high", "problems", "greyed"});
    const char* const names[] = {"kendall", "step_distance", "distinct_orders", "position_entropy"};
    for (const auto& m : cell.models) {
      const Diversity d = diversity_of(m, cell.slug, options);
      Series s;
      s.name = m.model;
      s.key = slug(m.model);
      s.style = style(m.model);
      s.count = d.problems;
      for (int j = 0; j < 4; ++j) {
        s.y.push_back(d.problems ? d.mean[j] : nan);
        s.low.push_back(d.has_ci ? d.ci[j].low : nan);
        s.high.push_back(d.has_ci ? d.ci[j].high : nan);
        if (d.problems)
          csv += csv_row({m.model, names[j], num(d.mean[j]), d.has_ci ? num(d.ci[j].low) : "",
                          d.has_ci ? num(d.ci[j].high) : "", std::to_string(d.problems),
                          d.problems < kMinDiversityProblems ? "yes" : "no"});
      }
      c.series.push_back(s);
    }
    out.push_back(
        {c.id, "Unmasking-order diversity among correct samples", where,
         fmt::format(
             "Per problem among its correct samples with a stored trajectory (problems with at least two), then the "
             "mean over those problems (n in the legend) with {} bootstrap intervals over problems. Kendall: mean "
             "pairwise order distance; step dist.: fraction of positions committed at a different step; orders: "
             "(distinct orders − 1)/(samples − 1); pos. entropy: normalised commit-step entropy per position. "
             "All four are 0 for a model that always unmasks in the same order. Grey: fewer than {} problems, too "
             "few to compare.",
             level, kMinDiversityProblems),
         render(c), csv});
  }
  return out;
}

}  // namespace trafl::report
