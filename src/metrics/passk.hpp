#pragma once
// pass@k: the unbiased estimator of Chen et al. (2021), aggregated per group (model × task × grading
// mode × decoding config) and optional split (a metadata value such as the MATH level), with
// bootstrap confidence intervals over problems (see metrics/bootstrap.hpp for the method).
//
// Estimator. With n samples of which c are correct, the probability that at least one of k samples
// drawn without replacement is correct is
//     pass@k = 1 − C(n−c, k) / C(n, k) = 1 − ∏_{j=0}^{k−1} (n−c−j) / (n−j),
// computed as that product of ratios (never factorials or binomials in floating point). k > n has no
// unbiased estimate: the scalar function throws, and the aggregation omits that k for any group or
// split in which at least one problem has fewer than k samples, and reports the omission (never a
// silent 1.0 — seen in nuprl/MultiPL-E issue 31, pass@100 = 1.00 from 20 samples; LiveCodeBench and
// human-eval report a k only when every problem has ≥ k samples, and so do we).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "metrics/bootstrap.hpp"
#include "metrics/outcomes.hpp"

namespace trafl {

// pass@k for one problem. Preconditions: 0 ≤ c ≤ n, 1 ≤ k ≤ n; a violation throws
// std::invalid_argument (k > n has no unbiased estimate). c = 0 → 0, c = n → 1, k = n → (c > 0).
double pass_at_k(std::int64_t n, std::int64_t c, std::int64_t k);

// pass@k for every k = 1..k_max (k_max ≤ n; k_max < 0 means n) in O(k_max) with one running product:
// q_k = q_{k−1}·(n−c−k+1)/(n−k+1), pass@k = 1 − q_k. out[k−1] = pass@k. Same preconditions.
std::vector<double> pass_at_k_curve(std::int64_t n, std::int64_t c, std::int64_t k_max = -1);
// The same, written into out[0..k_max) (no allocation); the kernel the aggregation uses.
void pass_at_k_curve(std::int64_t n, std::int64_t c, std::int64_t k_max, double* out);

// The default k list for a largest sample count n_max: 1, the powers of two below n_max, and n_max
// (e.g. n_max = 100 → 1 2 4 8 16 32 64 100). Empty for n_max < 1.
std::vector<std::int64_t> default_k_list(std::int64_t n_max);

struct PasskOptions {
  std::vector<std::int64_t> ks;   // k values to report; empty → default_k_list(max n of each group)
  std::int64_t bootstrap = 1000;  // resamples over problems; 0 → no confidence intervals
  std::uint64_t seed = 0;         // bootstrap seed (results are a function of seed and data only)
  double confidence = 0.95;       // two-sided level of the percentile interval, in (0, 1)
  unsigned threads = 0;           // bootstrap threads; 0 → std::thread::hardware_concurrency()
  bool include_total = true;      // when splitting: also a row over all problems of the group
};

struct PasskPoint {
  std::int64_t k = 0;
  double value = 0;     // mean over problems of pass@k
  bool has_ci = false;  // false when bootstrap = 0
  double ci_low = 0;
  double ci_high = 0;
};

// One problem's counts: n graded samples, c of them correct.
struct ProblemCount {
  std::int64_t n = 0;
  std::int64_t c = 0;
};

// pass@k means over problems at each k of `ks` (ascending, each ≤ every problem's n), with
// intervals: row p holds problem p's pass@k at each k (one running-product curve), and the means and
// intervals come from problem_means_ci (metrics/bootstrap.hpp) with `options` as given (resamples
// = 0: no intervals). The one path from per-problem counts to a reported pass@k — passk, passk --by,
// diagnose and the report's split tables all call it — so equal counts give equal numbers. The
// caller orders `problems` by ascending problem id.
std::vector<PasskPoint> passk_estimates(const std::vector<ProblemCount>& problems, const std::vector<std::int64_t>& ks,
                                        const BootstrapOptions& options);

// A requested k that is not reported for a group/split because some problems have fewer samples.
struct PasskOmission {
  std::int64_t k = 0;
  std::int64_t problems_short = 0;  // problems with n < k
  std::int64_t n_min = 0;           // the smallest n in the group/split
};

struct PasskResult {
  GroupKey group;
  std::optional<std::string> split;  // nullopt: all problems of the group; else the split value
  std::int64_t problems = 0;
  std::int64_t samples = 0;  // Σ n
  std::int64_t correct = 0;  // Σ c
  std::int64_t n_min = 0;
  std::int64_t n_max = 0;
  std::vector<PasskPoint> points;      // ascending k, only k ≤ n_min
  std::vector<PasskOmission> omitted;  // ascending k
};

struct PasskReport {
  std::string by;  // the metadata key split on ("" = none)
  std::int64_t bootstrap = 0;
  std::uint64_t seed = 0;
  double confidence = 0.95;
  // Ordered by group (GroupKey order), then the all-problems row, then splits in string order.
  std::vector<PasskResult> results;
};

// Groups the outcomes by GroupKey (and by split when `by` is non-empty), averages pass@k over
// problems, and attaches bootstrap CIs. Throws std::invalid_argument for an outcome with n < 0,
// c < 0 or c > n, for a requested k < 1, or for a confidence outside (0, 1) / bootstrap < 0.
// With `by` empty, outcome splits are ignored and each group gives one row.
PasskReport compute_passk(const std::vector<ProblemOutcome>& outcomes, const PasskOptions& options,
                          const std::string& by = "");

}  // namespace trafl
