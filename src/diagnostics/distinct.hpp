#pragma once
// Distinct answers among k samples, without bias, and the entropy of a problem's answer distribution.
//
// Expected distinct answers. A problem has n samples; answer a occurs m_a times among them. Draw a
// uniform random k-subset of the n samples (k ≤ n). Answer a appears in it with probability
// 1 − C(n − m_a, k) / C(n, k) (the pass@k formula with c = m_a), so by linearity
//     E[#distinct answers in the k-subset] = Σ_a ( 1 − C(n − m_a, k) / C(n, k) ),
// exactly — the average over all C(n, k) subsets, not a Monte Carlo estimate — and an unbiased
// estimate of the expected number of distinct answers a model gives in k fresh samples.
// Restricting the sum to correct answers gives the expected number of distinct *correct* answers.
// Each term is computed as pass_at_k's product of ratios (no factorials).
//
// Answer entropy: H = −Σ_a p_a log2 p_a with p_a = m_a / Σ m (bits), over the samples that have
// an answer. 0 when every answered sample gives the same answer.
#include <cstdint>
#include <vector>

namespace trafl::diagnostics {

// counts: m_a for each distinct answer (Σ m_a ≤ n). Requires 1 ≤ k ≤ n.
double expected_distinct(std::int64_t n, const std::vector<std::int64_t>& counts, std::int64_t k);
double entropy_bits(const std::vector<std::int64_t>& counts);

}  // namespace trafl::diagnostics
