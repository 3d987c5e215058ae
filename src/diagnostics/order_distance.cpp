#include "diagnostics/order_distance.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

namespace trafl::diagnostics {

namespace {

std::int64_t pairs_of(std::int64_t t) { return t * (t - 1) / 2; }

// Strict inversions (i < j with v[i] > v[j]) of v, sorting v; `tmp` is scratch of the same size.
std::int64_t count_inversions(std::int32_t* v, std::int32_t* tmp, std::size_t n) {
  if (n < 2) return 0;
  const std::size_t mid = n / 2;
  std::int64_t count = count_inversions(v, tmp, mid) + count_inversions(v + mid, tmp, n - mid);
  std::size_t i = 0, j = mid, o = 0;
  while (i < mid && j < n) {
    if (v[i] <= v[j]) {
      tmp[o++] = v[i++];  // equal values are ties, not inversions
    } else {
      count += static_cast<std::int64_t>(mid - i);  // every remaining left value is > v[j]
      tmp[o++] = v[j++];
    }
  }
  while (i < mid) tmp[o++] = v[i++];
  while (j < n) tmp[o++] = v[j++];
  std::copy(tmp, tmp + n, v);
  return count;
}

// Counts for positions [begin, end) of a and b.
void add_segment(const Steps& a, const Steps& b, std::size_t begin, std::size_t end, KendallCounts& out,
                 std::vector<std::size_t>& idx, std::vector<std::int32_t>& bs, std::vector<std::int32_t>& tmp) {
  const std::size_t n = end - begin;
  if (n < 2) return;
  idx.resize(n);
  std::iota(idx.begin(), idx.end(), begin);
  std::sort(idx.begin(), idx.end(),
            [&](std::size_t x, std::size_t y) { return a[x] != a[y] ? a[x] < a[y] : b[x] < b[y]; });
  // Ties: group sizes of equal a, and of equal (a, b) (adjacent after the sort).
  std::int64_t tied_a = 0, tied_both = 0;
  for (std::size_t s = 0; s < n;) {
    std::size_t e = s;
    while (e < n && a[idx[e]] == a[idx[s]]) ++e;
    tied_a += pairs_of(static_cast<std::int64_t>(e - s));
    for (std::size_t u = s; u < e;) {
      std::size_t w = u;
      while (w < e && b[idx[w]] == b[idx[u]]) ++w;
      tied_both += pairs_of(static_cast<std::int64_t>(w - u));
      u = w;
    }
    s = e;
  }
  // With positions sorted by (a, b), a pair is discordant exactly when its b values are a strict
  // inversion (inside an a-group b ascends, so ties in a contribute none).
  bs.resize(n);
  tmp.resize(n);
  for (std::size_t i = 0; i < n; ++i) bs[i] = b[idx[i]];
  const std::int64_t discordant = count_inversions(bs.data(), tmp.data(), n);
  // bs is now sorted: count ties in b.
  std::int64_t tied_b = 0;
  for (std::size_t s = 0; s < n;) {
    std::size_t e = s;
    while (e < n && bs[e] == bs[s]) ++e;
    tied_b += pairs_of(static_cast<std::int64_t>(e - s));
    s = e;
  }
  out.pairs += pairs_of(static_cast<std::int64_t>(n));
  out.discordant += discordant;
  out.half_tied += (tied_a - tied_both) + (tied_b - tied_both);
}

}  // namespace

KendallCounts kendall_counts(const Steps& a, const Steps& b, std::size_t block_length) {
  const std::size_t L = std::min(a.size(), b.size());
  const std::size_t block = block_length == 0 ? std::max<std::size_t>(L, 1) : block_length;
  KendallCounts out;
  std::vector<std::size_t> idx;
  std::vector<std::int32_t> bs, tmp;
  for (std::size_t s = 0; s < L; s += block) add_segment(a, b, s, std::min(L, s + block), out, idx, bs, tmp);
  return out;
}

KendallCounts kendall_counts_naive(const Steps& a, const Steps& b, std::size_t block_length) {
  const std::size_t L = std::min(a.size(), b.size());
  KendallCounts out;
  for (std::size_t i = 0; i < L; ++i)
    for (std::size_t j = i + 1; j < L; ++j) {
      if (block_length > 0 && i / block_length != j / block_length) continue;
      ++out.pairs;
      const int sa = (a[i] > a[j]) - (a[i] < a[j]);
      const int sb = (b[i] > b[j]) - (b[i] < b[j]);
      if (sa * sb < 0)
        ++out.discordant;
      else if ((sa == 0) != (sb == 0))
        ++out.half_tied;
    }
  return out;
}

double step_assignment_distance(const Steps& a, const Steps& b) {
  const std::size_t L = std::min(a.size(), b.size());
  if (L == 0) return 0.0;
  std::size_t differ = 0;
  for (std::size_t j = 0; j < L; ++j) differ += a[j] != b[j] ? 1 : 0;
  return static_cast<double>(differ) / static_cast<double>(L);
}

double position_step_entropy(const std::vector<const Steps*>& orders) {
  const std::size_t m = orders.size();
  if (m < 2) return 0.0;
  std::size_t L = orders.front()->size();
  for (const auto* o : orders) L = std::min(L, o->size());
  if (L == 0) return 0.0;
  const double norm = std::log2(static_cast<double>(m));
  std::vector<std::int32_t> column(m);
  double total = 0;
  for (std::size_t j = 0; j < L; ++j) {
    for (std::size_t s = 0; s < m; ++s) column[s] = (*orders[s])[j];
    std::sort(column.begin(), column.end());
    double h = 0;
    for (std::size_t s = 0; s < m;) {
      std::size_t e = s;
      while (e < m && column[e] == column[s]) ++e;
      const double p = static_cast<double>(e - s) / static_cast<double>(m);
      h -= p * std::log2(p);
      s = e;
    }
    total += h / norm;
  }
  return total / static_cast<double>(L);
}

}  // namespace trafl::diagnostics
