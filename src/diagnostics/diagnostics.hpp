#pragma once
// `trafl-eval diagnose`: trajectory locking, measured. Library entry point (torch-free).
//
// Cells and groups. Runs are grouped by model × task × cell configuration, where the cell
// configuration is the run's decoding configuration without the keys that only identify a run or
// a model ("seed", and any key containing "model", "checkpoint" or "path"): runs that differ only
// in seed pool their samples (as pass@k does), and models sampled with the same decoding settings
// (gen_length, steps, block_length, temperature, remasking, …) on the same task meet in one cell,
// where they are compared with the baseline. Within a cell every model is graded in one mode: the
// --mode given, else the task's default mode when graded, else the first graded mode by name.
//
// Per model in a cell, for k = 1, 2, 4, …, n_min (the smallest per-problem sample count):
//   pass@k            unbiased estimator (metrics/passk.hpp), mean over problems, percentile
//                     bootstrap CI over problems (metrics/bootstrap.hpp)
//   coverage          fraction of problems with ≥ 1 correct sample (= pass@n at equal n)
//   distinct correct  E[#distinct correct answers among k samples], exact (distinct.hpp), mean over
//                     problems, with CI; answers identified by answer_key.hpp (math: extracted answer
//                     up to spacing; code: program up to comments/spacing)
//   distinct answers  the same over all answers, correct or not
//   answer entropy    mean over problems of H(answer distribution) in bits (distinct.hpp)
//   trajectory        among correct samples with a trajectory, per problem (order_distance.hpp):
//                     mean pairwise normalised Kendall-τ distance between unmasking orders (ties
//                     K^(1/2), pairs inside a decoding block), mean step-assignment distance,
//                     distinct-order fraction (#distinct − 1)/(m − 1), normalised commit-step
//                     entropy per position; each averaged over the problems with m ≥ 2
//
// Versus the baseline model in the same cell (paired over the problems both have):
//   Δpass@k           mean over common problems of pass@k(model) − pass@k(baseline), with a paired
//                     percentile bootstrap CI (one resample of problems serves both models)
//   crossover k       the first k of the grid at which Δpass@k < 0 after Δpass@k ≥ 0 at a smaller k:
//                     where the model's advantage turns into a deficit as the budget grows;
//                     `below from k=1` when Δpass@1 < 0 already; `significant below k` = the first k
//                     whose whole CI is below 0
//   locking λ         λ = ln( G_baseline / G_model ),  G = pass@K − pass@1,  K = the largest common k.
//                     G is what a model gains from sampling K times instead of once. Trajectory
//                     locking (probability mass concentrated on a few denoising paths) shows up
//                     exactly as a compressed budget gain: a locked model may win at k = 1 yet gain
//                     less from more samples. λ = 0: same gain as the baseline; λ = ln 2 ≈ 0.69: half
//                     the baseline's gain; λ < 0: more gain (less locked). Ratio-scale, so it is
//                     comparable across tasks with different accuracy; undefined (reported as such)
//                     when either gain is ≤ 0. CI: percentile over the paired bootstrap resamples in
//                     which both gains are > 0 (reported only when ≥ 95% of them are).
//   distinct drop     1 − E[distinct correct @K](model) / E[distinct correct @K](baseline)
//   order-div. drop   1 − Kendall(model) / Kendall(baseline) (mean order distance among correct)
// Positive drops, like positive λ, point towards locking.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "diagnostics/problem_stats.hpp"

namespace trafl {
class Store;
}

namespace trafl::diagnostics {

struct Options {
  std::string baseline;           // model name; "" = no comparison
  std::string task;               // "" = all tasks
  std::string mode;               // "" = per task (see above)
  std::int64_t bootstrap = 1000;  // resamples (0: no CIs)
  std::uint64_t seed = 0;
  double confidence = 0.95;
  std::int64_t max_pairs = 256;  // trajectory pairs per problem (problem_stats.hpp)
  unsigned threads = 0;
  bool progress = false;  // a progress line on stderr, one step per model × cell (core/progress.hpp)
};

struct KStat {
  std::int64_t k = 0;
  double value = 0;
  bool has_ci = false;
  double ci_low = 0;
  double ci_high = 0;
};

struct TrajectorySummary {
  std::int64_t problems = 0;                 // problems with ≥ 2 correct trajectories
  std::int64_t samples_with_trajectory = 0;  // correct samples carrying a trajectory
  double kendall = 0;
  double step_distance = 0;
  double distinct_orders = 0;
  double position_entropy = 0;
};

struct Comparison {
  std::string baseline;
  std::int64_t common_problems = 0;
  std::vector<KStat> delta;  // Δpass@k, paired CI
  std::optional<std::int64_t> crossover_k;
  bool below_from_start = false;
  std::optional<std::int64_t> significant_below_k;
  std::int64_t locking_k = 0;                // K
  double gain_model = 0, gain_baseline = 0;  // G at K (common problems)
  std::optional<double> locking;             // λ
  bool locking_has_ci = false;
  double locking_low = 0, locking_high = 0;
  std::optional<double> distinct_drop;
  std::optional<double> order_diversity_drop;
};

struct ModelResult {
  std::string model;
  std::string mode;
  std::vector<std::int64_t> run_ids;
  std::vector<std::int64_t> seeds;
  std::int64_t problems = 0, samples = 0, correct = 0, n_min = 0, n_max = 0;
  double coverage = 0;
  std::vector<KStat> passk;
  std::vector<KStat> distinct_correct;
  std::vector<KStat> distinct_answers;
  double answer_entropy = 0;
  TrajectorySummary trajectory;
  std::optional<Comparison> vs_baseline;  // absent for the baseline itself / no baseline
  std::vector<ProblemStats> per_problem;  // ordered by problem id
};

struct Cell {
  std::string task;
  nlohmann::json config;            // cell configuration (see above)
  std::string label;                // short, e.g. "L=256 steps=256 block=32 T=0.6" (metrics/config_label.hpp)
  std::string slug;                 // file-name safe, unique within a result
  std::vector<ModelResult> models;  // baseline first, then by name
};

struct Result {
  Options options;
  std::string db;
  std::vector<std::string> models;  // all model names in the database (sorted)
  std::vector<Cell> cells;          // by task, then gen_length, then label
  std::vector<std::string> notes;   // things a reader must know (omitted k, missing baseline, …)
};

// Reads the database and computes everything above. UsageError for an unknown baseline (naming
// the models) or an unknown --task; InputError for a corrupt trajectory blob (naming the sample).
Result run(const Store& store, const Options& options);

// Cell configuration of a run configuration (the keys above removed).
nlohmann::json cell_config(const nlohmann::json& run_config);

}  // namespace trafl::diagnostics
