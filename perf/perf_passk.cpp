// perf_passk: pass@k curves for k = 1..n and bootstrap CIs at every k, over synthetic (n, c).
//
//   ninja -C build-metrics perf_passk && build-metrics/perf_passk [problems] [samples] [resamples] [threads]
//
// Defaults: 1,000 problems × 1,000 samples (1,000,000 graded samples), 1,000 resamples, threads 0 (all
// cores). Times the library path (compute_passk: per-problem running-product curves, the blocked
// count-matrix × curve-matrix bootstrap, type-7 percentile intervals at all 1,000 k) against the naive
// baseline measured in the same run:
//   "naive per-resample loop": the same curves, then for each resample draw P problems and add their
//   curve rows one by one (bootstrap_means_naive, single thread), then sort every k column fully and
//   take the percentiles.
// Both use the same draws, so their intervals agree up to rounding (the max difference is printed).
// Goal: < 2 s for the default size on a 2-core machine.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "metrics/bootstrap.hpp"
#include "metrics/passk.hpp"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const std::int64_t problems = argc > 1 ? std::atoll(argv[1]) : 1000;
  const std::int64_t samples = argc > 2 ? std::atoll(argv[2]) : 1000;
  const std::int64_t resamples = argc > 3 ? std::atoll(argv[3]) : 1000;
  const unsigned threads = argc > 4 ? static_cast<unsigned>(std::atoi(argv[4])) : 0;
  if (problems < 1 || samples < 1 || resamples < 1) {
    std::fprintf(stderr, "usage: perf_passk [problems>=1] [samples>=1] [resamples>=1] [threads]\n");
    return 2;
  }

  // Synthetic outcomes, fixed seed: per-problem success probability skewed towards hard problems
  // (p = u^3), c ~ Binomial(n, p) by explicit Bernoulli draws; a quarter of problems never solved.
  std::mt19937_64 gen(20240601);
  std::uniform_real_distribution<double> unif(0.0, 1.0);
  std::vector<trafl::ProblemOutcome> outcomes(static_cast<std::size_t>(problems));
  for (std::int64_t i = 0; i < problems; ++i) {
    auto& o = outcomes[static_cast<std::size_t>(i)];
    o.group = {"synthetic-model", "synthetic-task", "boxed", "{}"};
    o.problem_id = "p" + std::to_string(100000 + i);
    o.n = samples;
    const double u = unif(gen);
    const double p = i % 4 == 0 ? 0.0 : u * u * u;
    for (std::int64_t s = 0; s < samples; ++s) o.c += unif(gen) < p ? 1 : 0;
  }
  std::printf("perf_passk: %lld problems x %lld samples (%lld graded samples), k = 1..%lld, %lld resamples\n",
              static_cast<long long>(problems), static_cast<long long>(samples),
              static_cast<long long>(problems * samples), static_cast<long long>(samples),
              static_cast<long long>(resamples));

  trafl::PasskOptions options;
  for (std::int64_t k = 1; k <= samples; ++k) options.ks.push_back(k);
  options.bootstrap = resamples;
  options.seed = 7;

  // ---- library path, at the requested thread count and at 1 thread -----------------------------
  auto run_library = [&](unsigned t, trafl::PasskReport* out) {
    options.threads = t;
    double best = 1e300;
    for (int rep = 0; rep < 3; ++rep) {
      auto t0 = std::chrono::steady_clock::now();
      auto report = trafl::compute_passk(outcomes, options);
      best = std::min(best, seconds_since(t0));
      if (out) *out = std::move(report);
    }
    return best;
  };
  trafl::PasskReport fast;
  const double t_fast = run_library(threads, &fast);
  trafl::PasskReport fast1;
  const double t_fast1 = run_library(1, &fast1);

  // ---- naive baseline: same curves, per-resample row-adding loop, full sort per column ------------
  auto t0 = std::chrono::steady_clock::now();
  const std::size_t P = outcomes.size(), K = options.ks.size();
  std::vector<const trafl::ProblemOutcome*> sorted;
  for (const auto& o : outcomes) sorted.push_back(&o);
  std::stable_sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->problem_id < b->problem_id; });
  std::vector<double> values(P * K);
  for (std::size_t p = 0; p < P; ++p) trafl::pass_at_k_curve(sorted[p]->n, sorted[p]->c, samples, &values[p * K]);
  trafl::BootstrapOptions bo;
  bo.resamples = resamples;
  bo.seed = options.seed;  // compute_passk's seed, as given (metrics/bootstrap.hpp: problem_means_ci)
  bo.confidence = options.confidence;
  auto means = trafl::bootstrap_means_naive(values.data(), P, K, bo);
  std::vector<trafl::Interval> naive_ci(K);
  const auto B = static_cast<std::size_t>(resamples);
  const double alpha = (1.0 - bo.confidence) / 2.0;
  for (std::size_t j = 0; j < K; ++j) {
    double* col = means.data() + j * B;
    std::sort(col, col + B);
    auto q = [&](double level) {
      const double h = static_cast<double>(B - 1) * level;
      const auto i = static_cast<std::size_t>(std::floor(h));
      return i + 1 < B ? col[i] + (h - static_cast<double>(i)) * (col[i + 1] - col[i]) : col[i];
    };
    naive_ci[j] = {q(alpha), q(1.0 - alpha)};
  }
  const double t_naive = seconds_since(t0);

  // ---- where the library's time goes (same work, stage by stage) -------------------------------------
  bo.threads = threads;
  auto s0 = std::chrono::steady_clock::now();
  for (std::size_t p = 0; p < P; ++p) trafl::pass_at_k_curve(sorted[p]->n, sorted[p]->c, samples, &values[p * K]);
  const double t_curves = seconds_since(s0);
  s0 = std::chrono::steady_clock::now();
  auto fast_means = trafl::bootstrap_means(values.data(), P, K, bo);
  const double t_product = seconds_since(s0);
  s0 = std::chrono::steady_clock::now();
  for (std::size_t j = 0; j < K; ++j) trafl::percentile_interval(fast_means.data() + j * B, B, bo.confidence);
  const double t_percentiles = seconds_since(s0);

  // ---- agreement and determinism -----------------------------------------------------------------
  double max_diff = 0;
  bool same_bytes = fast.results.size() == 1 && fast1.results.size() == 1;
  const auto& pts = fast.results.at(0).points;
  for (std::size_t j = 0; j < K && j < pts.size(); ++j) {
    max_diff =
        std::max({max_diff, std::abs(pts[j].ci_low - naive_ci[j].low), std::abs(pts[j].ci_high - naive_ci[j].high)});
    const auto& q = fast1.results.at(0).points[j];
    same_bytes = same_bytes && q.value == pts[j].value && q.ci_low == pts[j].ci_low && q.ci_high == pts[j].ci_high;
  }

  std::printf("pass@1 = %.4f [%.4f, %.4f]   pass@%lld = %.4f [%.4f, %.4f]\n", pts.front().value, pts.front().ci_low,
              pts.front().ci_high, static_cast<long long>(pts.back().k), pts.back().value, pts.back().ci_low,
              pts.back().ci_high);
  std::printf("library (compute_passk, threads=%u): %8.3f s   (best of 3)\n", threads, t_fast);
  std::printf("library (compute_passk, threads=1):   %8.3f s   (best of 3)\n", t_fast1);
  std::printf("  stages: curves %.3f s, counts x curves product %.3f s, percentiles (1 thread) %.3f s\n", t_curves,
              t_product, t_percentiles);
  std::printf("naive per-resample loop (1 thread):   %8.3f s\n", t_naive);
  std::printf("speed-up vs naive: %.1fx (threads=%u), %.1fx (1 thread)\n", t_naive / t_fast, threads,
              t_naive / t_fast1);
  std::printf("max |CI difference| library vs naive: %.3g   same bytes at threads=%u and 1: %s\n", max_diff, threads,
              same_bytes ? "yes" : "NO");
  std::printf("goal < 2 s: %s\n", t_fast < 2.0 ? "met" : "NOT met");
  return same_bytes && max_diff < 1e-9 ? 0 : 1;
}
