#pragma once
// Bootstrap confidence intervals for means over problems, for many statistics (columns) at once.
//
// Method (nonparametric percentile bootstrap over problems):
//   * Input: a P × K matrix, row p = one problem, column j = one statistic of it (for pass@k: the
//     problem's pass@k at the j-th reported k). The estimate for column j is the column mean.
//   * Resample b (b = 0..B−1) draws P problems uniformly with replacement; all columns use the same
//     draw, so the intervals at different k come from the same resampled problem sets. Resample b's
//     draws are a pure function of (seed, b, P) — xoshiro256++ seeded through splitmix64 from
//     (seed, b), bounded draws by Lemire's unbiased multiply-and-reject — so results are independent
//     of the number of threads and of B (resample b is the same whatever B is).
//   * The resampled mean of column j is Σ_p w_bp·x_pj / P with w_bp = how often problem p was drawn:
//     the whole bootstrap is a (B × P count matrix) × (P × K value matrix) product, computed by a
//     cache-blocked kernel; each output is summed over p in ascending order whatever the blocking
//     or thread split, so the bytes are reproducible.
//   * Interval: the (1−γ)/2 and (1+γ)/2 quantiles of the B resampled means (γ = confidence level),
//     quantiles by linear interpolation between order statistics (Hyndman–Fan type 7, the numpy
//     default): h = (B−1)q, Q = x_(⌊h⌋) + (h−⌊h⌋)(x_(⌊h⌋+1) − x_(⌊h⌋)).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace trafl {

struct BootstrapOptions {
  std::int64_t resamples = 1000;  // B ≥ 1
  std::uint64_t seed = 0;
  double confidence = 0.95;  // in (0, 1)
  unsigned threads = 0;      // 0 → std::thread::hardware_concurrency(); never changes results
};

struct Interval {
  double low = 0;
  double high = 0;
};

// Per column of the row-major P × K matrix `values`, the percentile interval of the column mean.
// P = 0 or K = 0 → empty result / K zero intervals. Throws std::invalid_argument for bad options.
std::vector<Interval> bootstrap_mean_ci(const double* values, std::size_t problems, std::size_t columns,
                                        const BootstrapOptions& options);

// The resampled means, column-major: result[j * B + b] = mean of column j in resample b.
std::vector<double> bootstrap_means(const double* values, std::size_t problems, std::size_t columns,
                                    const BootstrapOptions& options);

// Reference implementation: the straightforward per-resample loop (draw P indices, add their rows),
// single-threaded, same draws as bootstrap_means; equal to it up to floating-point rounding.
// For tests and the perf baseline.
std::vector<double> bootstrap_means_naive(const double* values, std::size_t problems, std::size_t columns,
                                          const BootstrapOptions& options);

// How often each of P problems is drawn in resample b (the row b of the count matrix).
std::vector<std::uint32_t> bootstrap_counts(std::uint64_t seed, std::int64_t resample, std::size_t problems);

// The percentile interval of `samples` (reordered in place) at the given confidence.
Interval percentile_interval(std::vector<double>& samples, double confidence);
Interval percentile_interval(double* samples, std::size_t count, double confidence);

// ---- the one procedure of every reported interval ------------------------------------------------
// A mean over problems with its interval, as every command reports it.
struct MeanEstimate {
  double value = 0;
  bool has_ci = false;  // false when resamples = 0
  double low = 0;
  double high = 0;
};

// Column means of the row-major P × K matrix `values`, each with its percentile interval from
// bootstrap_means(values, P, K, options) — options.seed used as given, never mixed with a label.
// Every command that reports a mean over problems (passk, passk --by, diagnose, report) computes it
// here and nowhere else, so one pass@1 of one run gets one interval wherever it is shown (issue 20):
//   * the caller's one duty: rows are the scope's problems in ascending problem-id order;
//   * the draws of resample b depend on (seed, b, P) only — not on the command, the group, the split
//     or the other columns (each column's resampled mean reads only its own column) — so equal
//     per-problem values give equal intervals, bit for bit; two models over the same problems are
//     resampled alike, which is also what the paired comparison with a baseline uses.
// options.resamples = 0: means only (has_ci false). P = 0: K zero estimates.
std::vector<MeanEstimate> problem_means_ci(const double* values, std::size_t problems, std::size_t columns,
                                           const BootstrapOptions& options);

// A 64-bit seed derived from a base seed and a label (e.g. a group identity), stable across
// platforms and builds (FNV-1a + splitmix64 finaliser).
std::uint64_t derive_seed(std::uint64_t seed, std::string_view label);

}  // namespace trafl
