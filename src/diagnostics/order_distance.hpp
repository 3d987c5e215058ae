#pragma once
// Distances between two unmasking orders of the same completion length, and how concentrated the
// commit step of each position is across samples. Torch-free; inputs are the per-position commit
// steps of sampling::Trajectory (step[j] = global sampler step at which position j was committed).
//
// Unmasking order. A trajectory defines a *weak* order on positions: i before j when
// step[i] < step[j]; i and j are tied when committed at the same step (the LLaDA sampler commits
// several positions per step whenever steps < gen_length).
//
// Normalised Kendall-τ distance with ties (Fagin et al. 2006, K^(p) with p = 1/2). Over the pairs
// of positions (i < j) that are compared (see blocks below):
//     discordant   ordered one way by a and the other way by b          → 1
//     half-tied    tied in exactly one of a, b                           → 1/2
//     concordant, or tied in both                                        → 0
//   d_K(a, b) = (discordant + ½·half-tied) / (number of compared pairs) ∈ [0, 1].
// Identical orders → 0; a strict order and its reverse → 1. Computed in O(L log L) per block by
// counting ties from group sizes and discordant pairs as strict inversions (merge sort).
//
// Blocks. Under semi-autoregressive decoding (LLaDA `block_length` < gen_length) every position of
// block b is committed before any position of block b+1, in every sample: cross-block pairs are
// concordant by construction and would only dilute the distance towards 0. With block_length > 0
// only pairs inside the same block are compared (and counted in the denominator); block_length = 0
// compares all pairs.
//
// Step-assignment distance: the fraction of positions committed at a different step,
//   d_S(a, b) = |{ j : a_j ≠ b_j }| / L ∈ [0, 1]   (0 for identical trajectories).
//
// Position commit-step entropy: for position j, the Shannon entropy (bits) of the distribution of
// its commit step over m samples, divided by log2(m) (its maximum with m samples) → [0, 1];
// averaged over positions. 0 when every sample commits every position at the same step
// (a fully locked order); 1 when no two samples agree on any position's step.
//
// Lengths. Two trajectories of different length are compared on their common prefix.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace trafl::diagnostics {

using Steps = std::vector<std::int32_t>;

struct KendallCounts {
  std::int64_t pairs = 0;       // compared pairs
  std::int64_t discordant = 0;  // strictly opposite order
  std::int64_t half_tied = 0;   // tied in exactly one of the two orders
  double distance() const {
    return pairs == 0
               ? 0.0
               : (static_cast<double>(discordant) + 0.5 * static_cast<double>(half_tied)) / static_cast<double>(pairs);
  }
};

KendallCounts kendall_counts(const Steps& a, const Steps& b, std::size_t block_length = 0);
inline double kendall_distance(const Steps& a, const Steps& b, std::size_t block_length = 0) {
  return kendall_counts(a, b, block_length).distance();
}
// O(L²) reference (tests).
KendallCounts kendall_counts_naive(const Steps& a, const Steps& b, std::size_t block_length = 0);

double step_assignment_distance(const Steps& a, const Steps& b);

// Mean over positions of the normalised commit-step entropy across `orders` (needs ≥ 2 orders;
// returns 0 for fewer).
double position_step_entropy(const std::vector<const Steps*>& orders);

}  // namespace trafl::diagnostics
