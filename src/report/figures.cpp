#include "report/figures.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "diagnostics/csv.hpp"
#include "report/html.hpp"
#include "report/svg_plot.hpp"

namespace trafl::report {

namespace {

using diagnostics::csv_row;
using diagnostics::KStat;
using diagnostics::num;

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

std::string ci_fields(const KStat& s, bool low) { return s.has_ci ? num(low ? s.ci_low : s.ci_high) : ""; }

}  // namespace

std::vector<Figure> cell_figures(const diagnostics::Cell& cell, const std::map<std::string, int>& styles,
                                 const std::string& baseline) {
  std::vector<Figure> out;
  const std::string where = fmt::format("{} · {}", cell.task, cell.label);
  auto style = [&](const std::string& m) { auto it = styles.find(m); return it == styles.end() ? 0 : it->second; };

  {  // pass@k
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
      for (const auto& p : m.passk) csv += csv_row({m.model, std::to_string(p.k), num(p.value), ci_fields(p, true), ci_fields(p, false)});
    }
    const bool bands = !cell.models.empty() && !cell.models[0].passk.empty() && cell.models[0].passk[0].has_ci;
    out.push_back({c.id, bands ? "pass@k, one line per model; bands: percentile bootstrap intervals over problems (level in the header)."
                               : "pass@k, one line per model (no bootstrap intervals).",
                   render(c), csv});
  }
  bool any_delta = false;
  for (const auto& m : cell.models) any_delta = any_delta || (m.vs_baseline && !m.vs_baseline->delta.empty());
  if (any_delta) {
    LineChart c;
    c.id = "delta_" + cell.slug;
    c.title = "Δpass@k vs " + baseline + " — " + where;
    c.x_label = "k (log scale)";
    c.y_label = "pass@k − baseline (points)";
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
    out.push_back({c.id, "Paired difference to the baseline over the problems both have; below the zero line the model is worse at that budget.", render(c), csv});
  }
  {  // distinct correct answers
    LineChart c;
    c.id = "distinct_" + cell.slug;
    c.title = "Distinct correct answers — " + where;
    c.x_label = "k (log scale)";
    c.y_label = "E[# distinct correct answers]";
    c.y_min = 0.0;
    std::string csv = csv_row({"model", "k", "distinct_correct", "ci_low", "ci_high", "distinct_answers", "da_ci_low", "da_ci_high"});
    for (const auto& m : cell.models) {
      c.series.push_back(series_of(m.model, style(m.model), m.distinct_correct));
      for (std::size_t j = 0; j < m.distinct_correct.size(); ++j) {
        const auto& dc = m.distinct_correct[j];
        const auto& da = m.distinct_answers[j];
        csv += csv_row({m.model, std::to_string(dc.k), num(dc.value), ci_fields(dc, true), ci_fields(dc, false), num(da.value),
                        ci_fields(da, true), ci_fields(da, false)});
      }
    }
    out.push_back({c.id, "Expected number of distinct correct final answers among k samples (exact over all k-subsets), mean over problems.", render(c), csv});
  }
  bool any_traj = false;
  for (const auto& m : cell.models) any_traj = any_traj || m.trajectory.problems > 0;
  if (any_traj) {
    BarChart c;
    c.id = "diversity_" + cell.slug;
    c.title = "Unmasking-order diversity among correct samples — " + where;
    c.y_label = "diversity (0 = locked)";
    c.categories = {"Kendall distance", "step distance", "distinct orders", "position entropy"};
    std::string csv = csv_row({"model", "kendall", "step_distance", "distinct_orders", "position_entropy", "problems", "samples"});
    for (const auto& m : cell.models) {
      Series s;
      s.name = m.model;
      s.key = slug(m.model);
      s.style = style(m.model);
      const auto& t = m.trajectory;
      const double nan = std::numeric_limits<double>::quiet_NaN();
      if (t.problems > 0) s.y = {t.kendall, t.step_distance, t.distinct_orders, t.position_entropy};
      else s.y = {nan, nan, nan, nan};
      c.series.push_back(s);
      csv += csv_row({m.model, t.problems ? num(t.kendall) : "", t.problems ? num(t.step_distance) : "",
                      t.problems ? num(t.distinct_orders) : "", t.problems ? num(t.position_entropy) : "",
                      std::to_string(t.problems), std::to_string(t.samples_with_trajectory)});
    }
    out.push_back({c.id, "Per problem among correct samples with a stored trajectory, averaged over problems with at least two; all four are 0 for a model that always unmasks in the same order.", render(c), csv});
  }
  return out;
}

}  // namespace trafl::report
