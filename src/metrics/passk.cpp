#include "metrics/passk.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "metrics/bootstrap.hpp"

namespace trafl {

namespace {

void check_problem(std::int64_t n, std::int64_t c) {
  if (n < 0 || c < 0 || c > n)
    throw std::invalid_argument(fmt::format("pass@k: need 0 <= c <= n, got n={} c={}", n, c));
}

PasskResult compute_scope(const GroupKey& group, std::optional<std::string> split,
                          std::vector<const ProblemOutcome*> problems, const std::vector<std::int64_t>& ks,
                          const PasskOptions& options) {
  // Order problems by id so results do not depend on the order the store returned them in.
  std::stable_sort(problems.begin(), problems.end(),
                   [](const ProblemOutcome* a, const ProblemOutcome* b) { return a->problem_id < b->problem_id; });
  PasskResult r;
  r.group = group;
  r.split = std::move(split);
  r.problems = static_cast<std::int64_t>(problems.size());
  r.n_min = problems.empty() ? 0 : problems.front()->n;
  for (const auto* p : problems) {
    r.samples += p->n;
    r.correct += p->c;
    r.n_min = std::min(r.n_min, p->n);
    r.n_max = std::max(r.n_max, p->n);
  }
  std::vector<std::int64_t> reported;
  for (std::int64_t k : ks) {
    if (k <= r.n_min) {
      reported.push_back(k);
      continue;
    }
    PasskOmission o;
    o.k = k;
    o.n_min = r.n_min;
    for (const auto* p : problems) o.problems_short += p->n < k ? 1 : 0;
    r.omitted.push_back(o);
  }
  if (reported.empty() || problems.empty()) return r;

  std::vector<ProblemCount> counts;
  counts.reserve(problems.size());
  for (const auto* p : problems) counts.push_back({p->n, p->c});
  BootstrapOptions bo;
  bo.resamples = options.bootstrap;
  bo.seed = options.seed;  // no per-group label: equal counts, equal intervals (issue 20)
  bo.confidence = options.confidence;
  bo.threads = options.threads;
  r.points = passk_estimates(counts, reported, bo);
  return r;
}

}  // namespace

double pass_at_k(std::int64_t n, std::int64_t c, std::int64_t k) {
  check_problem(n, c);
  if (k < 1 || k > n)
    throw std::invalid_argument(
        fmt::format("pass@k: need 1 <= k <= n (k > n has no unbiased estimate), got n={} k={}", n, k));
  if (c == 0) return 0.0;
  if (n - c < k) return 1.0;  // every k-subset contains a correct sample (covers c = n and k = n)
  // C(n−c, k)/C(n, k) as a product of ratios ≤ 1, over whichever form has fewer factors:
  //   ∏_{j<k} (n−c−j)/(n−j)   or   ∏_{i=n−c+1}^{n} (i−k)/i   (the LiveCodeBench/human-eval form).
  double q = 1.0;
  if (k <= c) {
    for (std::int64_t j = 0; j < k; ++j) q *= static_cast<double>(n - c - j) / static_cast<double>(n - j);
  } else {
    for (std::int64_t i = n - c + 1; i <= n; ++i) q *= static_cast<double>(i - k) / static_cast<double>(i);
  }
  return 1.0 - q;
}

void pass_at_k_curve(std::int64_t n, std::int64_t c, std::int64_t k_max, double* out) {
  check_problem(n, c);
  if (k_max < 0) k_max = n;
  if (k_max > n)
    throw std::invalid_argument(
        fmt::format("pass@k curve: need k <= n (k > n has no unbiased estimate), got n={} k={}", n, k_max));
  double q = 1.0;  // C(n−c, k)/C(n, k)
  for (std::int64_t k = 1; k <= k_max; ++k) {
    const std::int64_t num = n - c - k + 1;
    q = num > 0 ? q * (static_cast<double>(num) / static_cast<double>(n - k + 1)) : 0.0;
    out[k - 1] = 1.0 - q;
  }
}

std::vector<double> pass_at_k_curve(std::int64_t n, std::int64_t c, std::int64_t k_max) {
  check_problem(n, c);
  if (k_max < 0) k_max = n;
  if (k_max > n)
    throw std::invalid_argument(
        fmt::format("pass@k curve: need k <= n (k > n has no unbiased estimate), got n={} k={}", n, k_max));
  std::vector<double> out(static_cast<std::size_t>(k_max));
  pass_at_k_curve(n, c, k_max, out.data());
  return out;
}

std::vector<PasskPoint> passk_estimates(const std::vector<ProblemCount>& problems, const std::vector<std::int64_t>& ks,
                                        const BootstrapOptions& options) {
  std::vector<PasskPoint> points;
  if (problems.empty() || ks.empty()) return points;
  const std::size_t P = problems.size(), K = ks.size();
  const std::int64_t k_max = ks.back();
  std::vector<double> values(P * K), curve(static_cast<std::size_t>(k_max));
  for (std::size_t p = 0; p < P; ++p) {
    pass_at_k_curve(problems[p].n, problems[p].c, k_max, curve.data());
    for (std::size_t j = 0; j < K; ++j) values[p * K + j] = curve[static_cast<std::size_t>(ks[j] - 1)];
  }
  const auto means = problem_means_ci(values.data(), P, K, options);
  for (std::size_t j = 0; j < K; ++j) {
    PasskPoint pt;
    pt.k = ks[j];
    pt.value = means[j].value;
    pt.has_ci = means[j].has_ci;
    pt.ci_low = means[j].low;
    pt.ci_high = means[j].high;
    points.push_back(pt);
  }
  return points;
}

std::vector<std::int64_t> default_k_list(std::int64_t n_max) {
  std::vector<std::int64_t> ks;
  for (std::int64_t k = 1; k < n_max; k *= 2) ks.push_back(k);
  if (n_max >= 1) ks.push_back(n_max);
  return ks;
}

PasskReport compute_passk(const std::vector<ProblemOutcome>& outcomes, const PasskOptions& options,
                          const std::string& by) {
  if (options.bootstrap < 0) throw std::invalid_argument("pass@k: bootstrap resamples must be >= 0");
  if (!(options.confidence > 0.0 && options.confidence < 1.0))
    throw std::invalid_argument("pass@k: confidence must be in (0, 1)");
  std::vector<std::int64_t> ks = options.ks;
  for (std::int64_t k : ks)
    if (k < 1) throw std::invalid_argument(fmt::format("pass@k: k must be >= 1, got {}", k));
  std::sort(ks.begin(), ks.end());
  ks.erase(std::unique(ks.begin(), ks.end()), ks.end());

  std::map<GroupKey, std::vector<const ProblemOutcome*>> groups;
  for (const auto& o : outcomes) {
    check_problem(o.n, o.c);
    groups[o.group].push_back(&o);
  }

  PasskReport report;
  report.by = by;
  report.bootstrap = options.bootstrap;
  report.seed = options.seed;
  report.confidence = options.confidence;
  for (const auto& [key, members] : groups) {
    std::int64_t n_max = 0;
    for (const auto* p : members) n_max = std::max(n_max, p->n);
    const std::vector<std::int64_t> group_ks = ks.empty() ? default_k_list(n_max) : ks;
    if (by.empty() || options.include_total)
      report.results.push_back(compute_scope(key, std::nullopt, members, group_ks, options));
    if (!by.empty()) {
      std::map<std::string, std::vector<const ProblemOutcome*>> splits;
      for (const auto* p : members) splits[p->split].push_back(p);
      for (auto& [value, split_members] : splits)
        report.results.push_back(compute_scope(key, value, std::move(split_members), group_ks, options));
    }
  }
  return report;
}

}  // namespace trafl
