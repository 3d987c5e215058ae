#include "report/paths_figures.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "diagnostics/csv.hpp"
#include "diagnostics/distinct.hpp"
#include "metrics/bootstrap.hpp"
#include "report/html.hpp"
#include "report/svg_plot.hpp"
#include "report/svg_raster.hpp"

namespace trafl::report {

namespace {

using diagnostics::csv_row;
using diagnostics::KStat;
using diagnostics::num;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Up to `cap` of the paths sorted by commit steps, evenly spaced through the sorted list so each
// block of identical paths keeps its share of the rows.
std::vector<diagnostics::CorrectPath> pick_shown(std::vector<diagnostics::CorrectPath> paths, std::size_t cap) {
  std::stable_sort(paths.begin(), paths.end(), [](const auto& a, const auto& b) { return a.steps < b.steps; });
  if (paths.size() <= cap) return paths;
  std::vector<diagnostics::CorrectPath> out;
  for (std::size_t i = 0; i < cap; ++i) out.push_back(paths[i * paths.size() / cap]);
  return out;
}

// Fills mp.distinct_paths and mp.per_correct from rows (P × 2K: E[distinct paths](k_j), then
// E[#correct with a path](k_j)).
void summarise(ModelPaths& mp, const std::vector<std::int64_t>& ks, const std::vector<double>& rows,
               const std::string& label, const diagnostics::Options& o) {
  const std::size_t K = ks.size(), P = K ? rows.size() / (2 * K) : 0;
  if (P == 0) return;
  std::vector<double> mean(2 * K, 0.0);
  for (std::size_t p = 0; p < P; ++p)
    for (std::size_t j = 0; j < 2 * K; ++j) mean[j] += rows[p * 2 * K + j] / static_cast<double>(P);
  std::vector<double> boot;
  const auto B = static_cast<std::size_t>(o.bootstrap);
  if (o.bootstrap > 0 && P >= 2) {
    BootstrapOptions bo;
    bo.resamples = o.bootstrap;
    bo.seed = derive_seed(o.seed, "paths\x1f" + label);
    bo.confidence = o.confidence;
    bo.threads = o.threads;
    boot = bootstrap_means(rows.data(), P, 2 * K, bo);
  }
  for (std::size_t j = 0; j < K; ++j) {
    KStat d{ks[j], mean[j]}, r{ks[j], mean[K + j] > 0 ? mean[j] / mean[K + j] : kNaN};
    if (!boot.empty()) {
      std::vector<double> col(boot.begin() + static_cast<std::ptrdiff_t>(j * B),
                              boot.begin() + static_cast<std::ptrdiff_t>((j + 1) * B));
      const auto ci = percentile_interval(col, o.confidence);
      d.has_ci = true, d.ci_low = ci.low, d.ci_high = ci.high;
      std::vector<double> ratios;
      for (std::size_t b = 0; b < B; ++b)
        if (boot[(K + j) * B + b] > 0) ratios.push_back(boot[j * B + b] / boot[(K + j) * B + b]);
      // As for λ: an interval only when nearly every resample defines the ratio.
      if (!std::isnan(r.value) && static_cast<double>(ratios.size()) >= 0.95 * static_cast<double>(B)) {
        const auto rci = percentile_interval(ratios, o.confidence);
        r.has_ci = true, r.ci_low = rci.low, r.ci_high = rci.high;
      }
    }
    mp.distinct_paths.push_back(d);
    mp.per_correct.push_back(r);
  }
}

const ModelPaths* find_model(const CellPaths& paths, const std::string& model) {
  for (const auto& m : paths.models)
    if (m.model == model) return &m;
  return nullptr;
}

// The entries of a and b at their largest common k.
std::pair<const KStat*, const KStat*> at_common_k(const std::vector<KStat>& a, const std::vector<KStat>& b) {
  for (auto it = a.rbegin(); it != a.rend(); ++it)
    for (const auto& s : b)
      if (s.k == it->k) return {&*it, &s};
  return {nullptr, nullptr};
}

std::string stat_text(const KStat& s, int decimals) {
  if (std::isnan(s.value)) return "–";
  std::string out = fmt::format("{:.{}f}", s.value, decimals);
  if (s.has_ci) out += fmt::format(" [{:.{}f}, {:.{}f}]", s.ci_low, decimals, s.ci_high, decimals);
  return out;
}

}  // namespace

bool CellPaths::any() const {
  for (const auto& m : models)
    if (m.paths > 0) return true;
  return false;
}

CellPaths load_cell_paths(const Store& store, const diagnostics::Cell& cell, const std::map<std::string, int>& styles,
                          const diagnostics::Options& options) {
  CellPaths out;
  for (const auto& m : cell.models) {
    ModelPaths mp;
    mp.model = m.model;
    if (auto it = styles.find(m.model); it != styles.end()) mp.style = it->second;
    std::vector<std::int64_t> ks;
    for (const auto& p : m.passk) ks.push_back(p.k);
    std::vector<double> rows;
    std::vector<std::vector<double>> heat;  // [step][position], grown as paths come
    diagnostics::for_each_problem_paths(store, m.run_ids, m.mode, m.model, [&](diagnostics::ProblemPaths& p) {
      ++mp.problems;
      ModelPaths::Problem pr;
      pr.n = p.n;
      pr.correct = p.correct;
      pr.with_path = static_cast<std::int64_t>(p.paths.size());
      std::map<diagnostics::Steps, std::int64_t> counts;
      for (const auto& path : p.paths) ++counts[path.steps];
      pr.distinct = static_cast<std::int64_t>(counts.size());
      std::vector<std::int64_t> multiplicity;
      for (const auto& [steps, c] : counts) multiplicity.push_back(c);
      for (auto k : ks) rows.push_back(diagnostics::expected_distinct(p.n, multiplicity, std::min(k, p.n)));
      for (auto k : ks)
        rows.push_back(static_cast<double>(std::min(k, p.n)) * static_cast<double>(pr.with_path) /
                       static_cast<double>(p.n));
      if (!p.paths.empty()) {
        ++mp.problems_with_paths;
        mp.paths += pr.with_path;
        mp.steps = std::max(mp.steps, p.total_steps);
        const double w = 1.0 / static_cast<double>(p.paths.size());
        for (const auto& path : p.paths) {
          mp.positions = std::max<std::int64_t>(mp.positions, static_cast<std::int64_t>(path.steps.size()));
          for (std::size_t j = 0; j < path.steps.size(); ++j) {
            const auto s = static_cast<std::size_t>(path.steps[j]);
            if (heat.size() <= s) heat.resize(s + 1);
            if (heat[s].size() <= j) heat[s].resize(j + 1, 0.0);
            heat[s][j] += w;
          }
        }
      }
      pr.shown = pick_shown(std::move(p.paths), kOrdersShown);
      mp.per_problem.emplace(p.problem_id, std::move(pr));
    });
    mp.steps = std::max<std::uint32_t>(mp.steps, static_cast<std::uint32_t>(heat.size()));
    mp.heat.assign(static_cast<std::size_t>(mp.steps) * static_cast<std::size_t>(mp.positions), 0.0);
    for (std::size_t s = 0; s < heat.size(); ++s)
      for (std::size_t j = 0; j < heat[s].size(); ++j)
        mp.heat[s * static_cast<std::size_t>(mp.positions) + j] =
            heat[s][j] / static_cast<double>(mp.problems_with_paths);
    summarise(mp, ks, rows, cell.slug + "\x1f" + m.model, options);
    out.models.push_back(std::move(mp));
  }
  return out;
}

std::string telling_problem(const CellPaths& paths) {
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> score;  // problem → (min shown rows over models, total)
  for (const auto& m : paths.models)
    for (const auto& [id, p] : m.per_problem)
      score.emplace(id, std::make_pair(std::numeric_limits<std::int64_t>::max(), 0));
  for (auto& [id, s] : score)
    for (const auto& m : paths.models) {
      auto it = m.per_problem.find(id);
      const std::int64_t rows =
          it == m.per_problem.end() ? 0 : std::min<std::int64_t>(it->second.with_path, kOrdersShown);
      s.first = std::min(s.first, rows);
      s.second += it == m.per_problem.end() ? 0 : it->second.with_path;
    }
  std::string best;
  std::pair<std::int64_t, std::int64_t> best_score{-1, 0};
  for (const auto& [id, s] : score)
    if (s.second > 0 && s > best_score) best = id, best_score = s;
  return best;
}

Figure orders_figure(const CellPaths& paths, const diagnostics::Cell& cell, const std::string& problem_id,
                     const std::string& name) {
  Raster r;
  r.id = name;
  r.title = "Unmasking order of correct samples, problem " + problem_id + " — " + cell.task + " · " + cell.label;
  r.x_label = "position in the completion →";
  r.row_label = "correct samples";
  r.scale_label = "commit step (sampler step)";
  r.shading = Shading::kViridis;
  std::int64_t positions = 1;
  std::uint32_t steps = 1;
  for (const auto& m : paths.models) {
    if (auto it = m.per_problem.find(problem_id); it != m.per_problem.end())
      for (const auto& s : it->second.shown)
        positions = std::max<std::int64_t>(positions, static_cast<std::int64_t>(s.steps.size()));
    steps = std::max(steps, m.steps);
  }
  r.value_max = steps - 1;
  r.min_text = "0";
  r.max_text = std::to_string(steps - 1);
  std::string csv = csv_row(
      {"model", "problem", "run", "sample", "row", "position", "commit_step", "correct_with_path", "distinct_paths"});
  for (const auto& m : paths.models) {
    RasterPanel panel;
    panel.name = m.model;
    panel.key = slug(m.model);
    panel.style = m.style;
    auto it = m.per_problem.find(problem_id);
    if (it == m.per_problem.end()) {
      panel.note = "not sampled";
    } else {
      const auto& p = it->second;
      panel.note = p.with_path == 0
                       ? (p.correct ? "no trajectory" : "none correct")
                       : fmt::format("{} ok · {} path{}", p.with_path, p.distinct, p.distinct == 1 ? "" : "s");
      panel.rows = p.shown.size();
      panel.cols = static_cast<std::size_t>(positions);
      panel.cells.assign(panel.rows * panel.cols, kNaN);
      for (std::size_t row = 0; row < p.shown.size(); ++row) {
        const auto& s = p.shown[row];
        for (std::size_t j = 0; j < s.steps.size(); ++j) {
          panel.cells[row * panel.cols + j] = s.steps[j];
          csv += csv_row({m.model, problem_id, std::to_string(s.run_id), std::to_string(s.sample_index),
                          std::to_string(row), std::to_string(j), std::to_string(s.steps[j]),
                          std::to_string(p.with_path), std::to_string(p.distinct)});
        }
      }
    }
    r.panels.push_back(std::move(panel));
  }
  return {
      name,
      "Unmasking order of correct samples",
      "problem " + problem_id + " · " + cell.task + " · " + cell.label,
      fmt::format(
          "One panel per model, one row per correct sample (at most {} shown, spread over the sorted rows), one column "
          "per position, shaded by the step at which it was committed (dark = early, yellow = late). Rows are sorted, so "
          "samples that took the same denoising path form one solid block; the note under each panel counts correct "
          "samples with a trajectory and their distinct paths.",
          kOrdersShown),
      render(r),
      csv};
}

std::vector<Figure> paths_figures(const CellPaths& paths, const diagnostics::Cell& cell, bool single_answer) {
  std::vector<Figure> out;
  if (!paths.any()) return out;
  const std::string where = cell.task + " · " + cell.label;
  {  // commit heat map
    Raster r;
    r.id = "commit_" + cell.slug;
    r.title = "When each position is committed, correct samples — " + where;
    r.x_label = "position in the completion →";
    r.row_label = "commit step ↓";
    r.scale_label = "share of correct samples";
    r.shading = Shading::kBlues;
    double top = 0;
    for (const auto& m : paths.models)
      for (double v : m.heat) top = std::max(top, v);
    r.value_max = top > 0 ? top : 1;
    r.min_text = "0";
    r.max_text = fmt::format("{:.0f}%", 100 * r.value_max);
    std::string csv = csv_row({"model", "position", "commit_step", "share", "problems"});
    for (const auto& m : paths.models) {
      RasterPanel panel;
      panel.name = m.model;
      panel.key = slug(m.model);
      panel.style = m.style;
      panel.note = m.paths ? fmt::format("{} problems", m.problems_with_paths) : "none correct";
      panel.rows = m.steps;
      panel.cols = static_cast<std::size_t>(m.positions);
      panel.cells.assign(panel.rows * panel.cols, kNaN);
      for (std::size_t s = 0; s < panel.rows; ++s)
        for (std::size_t j = 0; j < panel.cols; ++j) {
          const double v = m.heat[s * panel.cols + j];
          if (v <= 0) continue;
          panel.cells[s * panel.cols + j] = v;
          csv +=
              csv_row({m.model, std::to_string(j), std::to_string(s), num(v), std::to_string(m.problems_with_paths)});
        }
      r.panels.push_back(std::move(panel));
    }
    out.push_back(
        {r.id, "When each position is committed (correct samples)", where,
         "Per model, for each position (x) and sampler step (y, step 0 on top), the share of a problem's correct samples "
         "that commit the position at that step, averaged over the problems with a correct trajectory. A model locked onto "
         "one path draws a thin dark line; one that commits positions at many different steps draws a pale cloud.",
         render(r), csv});
  }
  {  // distinct paths vs k
    LineChart c;
    c.id = "paths_" + cell.slug;
    c.title = "Distinct denoising paths among correct samples — " + where;
    c.x_label = "k (samples per problem, log scale)";
    c.y_label = "E[distinct correct paths]";
    c.y_min = 0.0;
    std::string csv = csv_row(
        {"model", "k", "distinct_paths", "ci_low", "ci_high", "paths_per_correct", "ppc_ci_low", "ppc_ci_high"});
    for (const auto& m : paths.models) {
      c.series.push_back(series_of(m.model, m.style, m.distinct_paths));
      for (std::size_t j = 0; j < m.distinct_paths.size(); ++j) {
        const auto& d = m.distinct_paths[j];
        const auto& r = m.per_correct[j];
        csv += csv_row({m.model, std::to_string(d.k), num(d.value), d.has_ci ? num(d.ci_low) : "",
                        d.has_ci ? num(d.ci_high) : "", std::isnan(r.value) ? "" : num(r.value),
                        r.has_ci ? num(r.ci_low) : "", r.has_ci ? num(r.ci_high) : ""});
      }
    }
    std::string caption =
        "Expected number of distinct denoising paths (commit-step vectors) among the correct samples in k draws, exact over all "
        "k-subsets, mean over problems, with bootstrap intervals over problems. A model locked onto few paths flattens out however "
        "many samples it draws; the CSV also gives paths per correct sample.";
    if (single_answer)
      caption =
          "Every problem here has a single correct answer, so distinct correct answers would repeat pass@k; what differs "
          "between correct samples is the path that produced them. " +
          caption;
    out.push_back({c.id, "Distinct denoising paths among correct samples", where, caption, render(c), csv});
  }
  if (const std::string id = telling_problem(paths); !id.empty())
    out.push_back(orders_figure(paths, cell, id, "orders_" + cell.slug));
  return out;
}

std::string verdict(const CellPaths& paths, const std::string& model, const std::string& baseline) {
  const ModelPaths* m = find_model(paths, model);
  const ModelPaths* b = find_model(paths, baseline);
  if (!m) return "";
  if (model == baseline) return "baseline";
  if (!b) return "";
  if (m->paths == 0) return "no correct sample with a trajectory";
  if (b->paths == 0) return "the baseline has no correct sample with a trajectory";
  const auto [ms, bs] = at_common_k(m->per_correct, b->per_correct);
  if (!ms || std::isnan(ms->value) || std::isnan(bs->value)) return "not comparable";
  const std::string nums =
      fmt::format("{:.2f} vs {:.2f} paths per correct sample at k={}", ms->value, bs->value, ms->k);
  if (!ms->has_ci || !bs->has_ci)
    return fmt::format("{} than {} (no intervals): {}", ms->value < bs->value ? "fewer paths" : "as many or more paths",
                       baseline, nums);
  if (ms->ci_high < bs->ci_low) return fmt::format("yes: fewer paths than {}, intervals apart ({})", baseline, nums);
  if (ms->ci_low > bs->ci_high) return fmt::format("no: more paths than {}, intervals apart ({})", baseline, nums);
  return fmt::format("no clear difference from {}: intervals overlap ({})", baseline, nums);
}

std::string verdict_table(const CellPaths& paths, const std::string& baseline) {
  std::string h =
      "<table class=\"verdict\"><thead><tr><th>model</th><th>problems with a correct path</th><th>correct samples "
      "with a path</th><th>E[distinct paths] at k</th><th>paths per correct sample at k</th><th class=\"l\">locked onto fewer paths than "
      "the baseline?</th></tr></thead><tbody>\n";
  for (const auto& m : paths.models) {
    const KStat* d = m.distinct_paths.empty() ? nullptr : &m.distinct_paths.back();
    const KStat* r = m.per_correct.empty() ? nullptr : &m.per_correct.back();
    const std::string v = baseline.empty() ? "(no baseline)" : verdict(paths, m.model, baseline);
    h +=
        fmt::format("<tr><td>{}</td><td>{} of {}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"l{}\">{}</td></tr>\n",
                    escape(m.model), m.problems_with_paths, m.problems, m.paths,
                    d ? fmt::format("k={}: {}", d->k, stat_text(*d, 2)) : "–", r ? stat_text(*r, 3) : "–",
                    v.rfind("yes", 0) == 0 ? " neg" : "", escape(v));
  }
  return h + "</tbody></table>\n";
}

}  // namespace trafl::report
