#include "diagnostics/aggregate.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "diagnostics/distinct.hpp"
#include "metrics/bootstrap.hpp"
#include "metrics/passk.hpp"

namespace trafl::diagnostics {

namespace {

// The seed as given, with no label of the cell or model mixed in: the intervals are those passk
// reports for the same problems (problem_means_ci, metrics/bootstrap.hpp), and a model and its
// baseline over the same problems are resampled alike.
BootstrapOptions bootstrap_options(const Options& o) {
  BootstrapOptions b;
  b.resamples = o.bootstrap;
  b.seed = o.seed;
  b.confidence = o.confidence;
  b.threads = o.threads;
  return b;
}

KStat kstat(std::int64_t k, const MeanEstimate& e) {
  KStat s;
  s.k = k;
  s.value = e.value;
  s.has_ci = e.has_ci;
  s.ci_low = e.low;
  s.ci_high = e.high;
  return s;
}

// Per-problem expected distinct answers at every k in ks (ascending).
void distinct_row(std::int64_t n, const std::vector<std::int64_t>& counts, const std::vector<std::int64_t>& ks,
                  double* out) {
  std::fill(out, out + ks.size(), 0.0);
  if (counts.empty()) return;
  std::vector<double> curve(static_cast<std::size_t>(ks.back()));
  for (std::int64_t m : counts) {
    pass_at_k_curve(n, m, ks.back(), curve.data());
    for (std::size_t j = 0; j < ks.size(); ++j) out[j] += curve[static_cast<std::size_t>(ks[j] - 1)];
  }
}

}  // namespace

void aggregate_model(ModelResult& m, const Options& options) {
  const auto& probs = m.per_problem;
  m.problems = static_cast<std::int64_t>(probs.size());
  if (probs.empty()) return;
  m.n_min = probs.front().n;
  std::int64_t covered = 0, traj_problems = 0;
  double entropy = 0;
  TrajectorySummary t;
  for (const auto& p : probs) {
    m.samples += p.n;
    m.correct += p.c;
    m.n_min = std::min(m.n_min, p.n);
    m.n_max = std::max(m.n_max, p.n);
    covered += p.c > 0 ? 1 : 0;
    entropy += p.answer_entropy;
    t.samples_with_trajectory += p.correct_with_trajectory;
    if (p.kendall) {
      ++traj_problems;
      t.kendall += *p.kendall;
      t.step_distance += *p.step_distance;
      t.distinct_orders += *p.distinct_orders;
      t.position_entropy += *p.position_entropy;
    }
  }
  const double P = static_cast<double>(probs.size());
  m.coverage = static_cast<double>(covered) / P;
  m.answer_entropy = entropy / P;
  t.problems = traj_problems;
  if (traj_problems > 0) {
    const double T = static_cast<double>(traj_problems);
    t.kendall /= T;
    t.step_distance /= T;
    t.distinct_orders /= T;
    t.position_entropy /= T;
  }
  m.trajectory = t;

  // pass@k through the one pass@k path (metrics/passk.hpp); the distinct counts, P × 2K
  // (distinct correct | distinct answers), through the same interval procedure.
  const std::vector<std::int64_t> ks = default_k_list(m.n_min);
  const std::size_t K = ks.size(), W = 2 * K, Pn = probs.size();
  const BootstrapOptions bo = bootstrap_options(options);
  std::vector<ProblemCount> counts;
  counts.reserve(Pn);
  for (const auto& p : probs) counts.push_back({p.n, p.c});
  m.passk.clear();
  for (const auto& pt : passk_estimates(counts, ks, bo))
    m.passk.push_back(kstat(pt.k, {pt.value, pt.has_ci, pt.ci_low, pt.ci_high}));
  std::vector<double> values(Pn * W);
  for (std::size_t p = 0; p < Pn; ++p) {
    double* row = &values[p * W];
    distinct_row(probs[p].n, probs[p].correct_counts, ks, row);
    distinct_row(probs[p].n, probs[p].answer_counts, ks, row + K);
  }
  const auto means = problem_means_ci(values.data(), Pn, W, bo);
  m.distinct_correct.clear();
  m.distinct_answers.clear();
  for (std::size_t j = 0; j < K; ++j) {
    m.distinct_correct.push_back(kstat(ks[j], means[j]));
    m.distinct_answers.push_back(kstat(ks[j], means[K + j]));
  }
}

void find_crossover(Comparison& c) {
  c.crossover_k.reset();
  c.significant_below_k.reset();
  c.below_from_start = !c.delta.empty() && c.delta.front().value < 0;
  bool seen_nonnegative = false;
  for (const auto& d : c.delta) {
    if (d.value >= 0) {
      seen_nonnegative = true;
    } else if (seen_nonnegative && !c.crossover_k) {
      c.crossover_k = d.k;
    }
    if (d.has_ci && d.ci_high < 0 && !c.significant_below_k) c.significant_below_k = d.k;
  }
}

Comparison compare_with_baseline(const ModelResult& model, const ModelResult& base, const Options& options) {
  Comparison c;
  c.baseline = base.model;
  // Problems both have (both lists are ordered by id).
  std::vector<std::pair<const ProblemStats*, const ProblemStats*>> common;
  {
    auto a = model.per_problem.begin(), b = base.per_problem.begin();
    while (a != model.per_problem.end() && b != base.per_problem.end()) {
      if (a->problem_id < b->problem_id)
        ++a;
      else if (b->problem_id < a->problem_id)
        ++b;
      else
        common.emplace_back(&*a++, &*b++);
    }
  }
  c.common_problems = static_cast<std::int64_t>(common.size());
  if (common.empty()) return c;
  std::int64_t n_min = common.front().first->n;
  for (auto& [a, b] : common) n_min = std::min({n_min, a->n, b->n});
  const std::vector<std::int64_t> ks = default_k_list(n_min);
  const std::size_t K = ks.size(), W = K + 4, P = common.size();
  const std::int64_t k_max = ks.back();
  c.locking_k = k_max;
  // Columns: Δpass@k for each k | model pass@1, model pass@K, baseline pass@1, baseline pass@K.
  std::vector<double> values(P * W), cm(static_cast<std::size_t>(k_max)), cb(static_cast<std::size_t>(k_max));
  double dc_model = 0, dc_base = 0, kendall_model = 0, kendall_base = 0;
  std::int64_t kendall_n_model = 0, kendall_n_base = 0;
  for (std::size_t p = 0; p < P; ++p) {
    const auto* a = common[p].first;
    const auto* b = common[p].second;
    pass_at_k_curve(a->n, a->c, k_max, cm.data());
    pass_at_k_curve(b->n, b->c, k_max, cb.data());
    double* row = &values[p * W];
    for (std::size_t j = 0; j < K; ++j) {
      const auto i = static_cast<std::size_t>(ks[j] - 1);
      row[j] = cm[i] - cb[i];
    }
    row[K] = cm[0];
    row[K + 1] = cm.back();
    row[K + 2] = cb[0];
    row[K + 3] = cb.back();
    dc_model += expected_distinct(a->n, a->correct_counts, k_max);
    dc_base += expected_distinct(b->n, b->correct_counts, k_max);
    if (a->kendall) kendall_model += *a->kendall, ++kendall_n_model;
    if (b->kendall) kendall_base += *b->kendall, ++kendall_n_base;
  }
  BootstrapOptions means_only = bootstrap_options(options);
  means_only.resamples = 0;
  std::vector<double> means;
  for (const auto& e : problem_means_ci(values.data(), P, W, means_only)) means.push_back(e.value);
  c.gain_model = means[K + 1] - means[K];
  c.gain_baseline = means[K + 3] - means[K + 2];
  if (c.gain_model > 0 && c.gain_baseline > 0) c.locking = std::log(c.gain_baseline / c.gain_model);
  if (dc_base > 0) c.distinct_drop = 1.0 - dc_model / dc_base;
  if (kendall_n_model > 0 && kendall_n_base > 0 && kendall_base > 0)
    c.order_diversity_drop = 1.0 - (kendall_model / kendall_n_model) / (kendall_base / kendall_n_base);

  std::vector<double> resampled;
  const auto B = static_cast<std::size_t>(options.bootstrap);
  if (B > 0) resampled = bootstrap_means(values.data(), P, W, bootstrap_options(options));
  for (std::size_t j = 0; j < K; ++j) {
    KStat d;
    d.k = ks[j];
    d.value = means[j];
    if (B > 0) {
      std::vector<double> column(resampled.begin() + j * B, resampled.begin() + (j + 1) * B);
      const Interval iv = percentile_interval(column, options.confidence);
      d.has_ci = true;
      d.ci_low = iv.low;
      d.ci_high = iv.high;
    }
    c.delta.push_back(d);
  }
  find_crossover(c);
  if (B > 0 && c.locking) {
    std::vector<double> lambdas;
    lambdas.reserve(B);
    for (std::size_t b = 0; b < B; ++b) {
      const double gm = resampled[(K + 1) * B + b] - resampled[K * B + b];
      const double gb = resampled[(K + 3) * B + b] - resampled[(K + 2) * B + b];
      if (gm > 0 && gb > 0) lambdas.push_back(std::log(gb / gm));
    }
    if (static_cast<double>(lambdas.size()) >= 0.95 * static_cast<double>(B)) {
      const Interval iv = percentile_interval(lambdas, options.confidence);
      c.locking_has_ci = true;
      c.locking_low = iv.low;
      c.locking_high = iv.high;
    }
  }
  return c;
}

}  // namespace trafl::diagnostics
