#pragma once
// One problem of one model × cell, reduced to what the diagnostics need: outcome counts, answer
// multiplicities and trajectory-diversity figures (definitions in distinct.hpp and
// order_distance.hpp). Built from the graded samples; the sample texts are not kept.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "diagnostics/order_distance.hpp"

namespace trafl::diagnostics {

struct SampleView {
  std::int64_t sample_index = 0;
  bool correct = false;
  std::string answer_key;  // answer_key.hpp; "" = no answer
  Steps steps;             // commit step per position; empty when the sample has no trajectory
};

struct TrajectoryOptions {
  std::size_t block_length = 0;  // 0: compare all position pairs (order_distance.hpp, "Blocks")
  std::int64_t max_pairs = 256;  // pairwise distances: all pairs when C(m,2) ≤ max_pairs, else this
                                 // many pairs drawn uniformly (with replacement, seeded) — an
                                 // unbiased estimate of the mean over all pairs
  std::uint64_t seed = 0;
};

struct ProblemStats {
  std::string problem_id;
  std::map<std::string, std::string> metadata;
  std::int64_t n = 0;                        // graded samples
  std::int64_t c = 0;                        // correct samples
  std::int64_t answered = 0;                 // samples with a non-empty answer key
  std::vector<std::int64_t> answer_counts;   // m_a per distinct answer (all answers)
  std::vector<std::int64_t> correct_counts;  // m_a per distinct answer among correct samples
  double answer_entropy = 0;                 // bits, over answered samples
  // Trajectory diversity among the correct samples that carry a trajectory (m of them).
  std::int64_t correct_with_trajectory = 0;  // m
  std::int64_t pairs_used = 0;
  std::optional<double> kendall;           // mean pairwise d_K          (m ≥ 2)
  std::optional<double> step_distance;     // mean pairwise d_S          (m ≥ 2)
  std::optional<double> distinct_orders;   // (#distinct orders − 1)/(m − 1)  (m ≥ 2)
  std::optional<double> position_entropy;  // normalised, mean over positions (m ≥ 2)
};

ProblemStats summarize_problem(std::string problem_id, std::map<std::string, std::string> metadata,
                               const std::vector<SampleView>& samples, const TrajectoryOptions& options);

}  // namespace trafl::diagnostics
