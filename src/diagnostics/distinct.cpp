#include "diagnostics/distinct.hpp"

#include <cmath>

#include "metrics/passk.hpp"

namespace trafl::diagnostics {

double expected_distinct(std::int64_t n, const std::vector<std::int64_t>& counts, std::int64_t k) {
  double sum = 0;
  for (std::int64_t m : counts) sum += pass_at_k(n, m, k);
  return sum;
}

double entropy_bits(const std::vector<std::int64_t>& counts) {
  std::int64_t total = 0;
  for (auto m : counts) total += m;
  if (total == 0) return 0.0;
  double h = 0;
  for (auto m : counts) {
    if (m <= 0) continue;
    const double p = static_cast<double>(m) / static_cast<double>(total);
    h -= p * std::log2(p);
  }
  return h == 0.0 ? 0.0 : h;  // no "-0"
}

}  // namespace trafl::diagnostics
