#include "diagnostics/problem_stats.hpp"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "diagnostics/distinct.hpp"
#include "metrics/bootstrap.hpp"

namespace trafl::diagnostics {

namespace {

std::vector<std::int64_t> multiplicities(const std::unordered_map<std::string, std::int64_t>& counts) {
  std::vector<std::int64_t> out;
  out.reserve(counts.size());
  for (const auto& [key, m] : counts) out.push_back(m);
  std::sort(out.begin(), out.end());  // order-independent sums below
  return out;
}

// splitmix64: a small, seedable stream for drawing pairs (results depend only on seed and problem).
std::uint64_t next(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void trajectory_diversity(const std::vector<const Steps*>& orders, const TrajectoryOptions& options,
                          const std::string& problem_id, ProblemStats& out) {
  const std::size_t m = orders.size();
  out.correct_with_trajectory = static_cast<std::int64_t>(m);
  if (m < 2) return;
  const std::int64_t all_pairs = static_cast<std::int64_t>(m * (m - 1) / 2);
  double kendall = 0, step = 0;
  auto add = [&](std::size_t i, std::size_t j) {
    kendall += kendall_distance(*orders[i], *orders[j], options.block_length);
    step += step_assignment_distance(*orders[i], *orders[j]);
    ++out.pairs_used;
  };
  if (options.max_pairs <= 0 || all_pairs <= options.max_pairs) {
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = i + 1; j < m; ++j) add(i, j);
  } else {
    std::uint64_t state = derive_seed(options.seed, problem_id);
    for (std::int64_t p = 0; p < options.max_pairs; ++p) {
      // A uniform unordered pair {i, j}, i ≠ j (modulo bias is < m/2^64: negligible).
      const std::size_t i = next(state) % m;
      std::size_t j = next(state) % (m - 1);
      if (j >= i) ++j;
      add(i, j);
    }
  }
  out.kendall = kendall / static_cast<double>(out.pairs_used);
  out.step_distance = step / static_cast<double>(out.pairs_used);
  std::set<Steps> distinct;
  for (const auto* o : orders) distinct.insert(*o);
  out.distinct_orders = static_cast<double>(distinct.size() - 1) / static_cast<double>(m - 1);
  out.position_entropy = position_step_entropy(orders);
}

}  // namespace

ProblemStats summarize_problem(std::string problem_id, std::map<std::string, std::string> metadata,
                               const std::vector<SampleView>& samples, const TrajectoryOptions& options) {
  ProblemStats out;
  out.problem_id = std::move(problem_id);
  out.metadata = std::move(metadata);
  std::unordered_map<std::string, std::int64_t> all, correct;
  std::vector<const Steps*> orders;
  for (const auto& s : samples) {
    ++out.n;
    if (s.correct) ++out.c;
    if (!s.answer_key.empty()) {
      ++out.answered;
      ++all[s.answer_key];
      if (s.correct) ++correct[s.answer_key];
    }
    if (s.correct && !s.steps.empty()) orders.push_back(&s.steps);
  }
  out.answer_counts = multiplicities(all);
  out.correct_counts = multiplicities(correct);
  out.answer_entropy = entropy_bits(out.answer_counts);
  trajectory_diversity(orders, options, out.problem_id, out);
  return out;
}

}  // namespace trafl::diagnostics
