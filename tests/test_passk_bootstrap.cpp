// Bootstrap confidence intervals over problems.
#include <catch2/catch.hpp>

#include <cmath>
#include <numeric>
#include <random>
#include <stdexcept>

#include "metrics/bootstrap.hpp"
#include "metrics/passk.hpp"

using namespace trafl;

namespace {

std::vector<double> random_matrix(std::size_t P, std::size_t K, std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> v(P * K);
  for (auto& x : v) x = u(gen);
  return v;
}

std::vector<double> bernoulli_column(std::size_t P, double p, std::mt19937_64& gen) {
  std::bernoulli_distribution d(p);
  std::vector<double> v(P);
  for (auto& x : v) x = d(gen) ? 1.0 : 0.0;
  return v;
}

double mean(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / v.size(); }

}  // namespace

TEST_CASE("bootstrap: percentile interval uses type-7 quantiles", "[passk]") {
  std::vector<double> x;
  for (int i = 101; i >= 1; --i) x.push_back(i);  // 1..101, reversed
  auto iv = percentile_interval(x, 0.95);
  CHECK(iv.low == Approx(3.5));    // h = 100·0.025 = 2.5 → between 3 and 4
  CHECK(iv.high == Approx(98.5));  // h = 97.5
  std::vector<double> one = {0.25};
  iv = percentile_interval(one, 0.9);
  CHECK(iv.low == 0.25);
  CHECK(iv.high == 0.25);
  std::vector<double> none;
  CHECK_THROWS_AS(percentile_interval(none, 0.95), std::invalid_argument);
}

TEST_CASE("bootstrap: resample counts are a pure function of (seed, b, P)", "[passk]") {
  for (std::size_t P : {1u, 2u, 17u, 1000u}) {
    auto c = bootstrap_counts(42, 5, P);
    CHECK(std::accumulate(c.begin(), c.end(), std::uint64_t{0}) == P);
    CHECK(c == bootstrap_counts(42, 5, P));
  }
  CHECK(bootstrap_counts(42, 5, 1000) != bootstrap_counts(42, 6, 1000));
  CHECK(bootstrap_counts(42, 5, 1000) != bootstrap_counts(43, 5, 1000));
  CHECK(derive_seed(1, "a") == derive_seed(1, "a"));
  CHECK(derive_seed(1, "a") != derive_seed(1, "b"));
  CHECK(derive_seed(1, "a") != derive_seed(2, "a"));
}

TEST_CASE("bootstrap: blocked kernel equals the naive per-resample loop", "[passk]") {
  // Odd sizes exercise the padding of both the resample and the column tiles.
  for (auto [P, K, B] :
       {std::tuple<std::size_t, std::size_t, std::int64_t>{37, 13, 50}, {1, 1, 1}, {5, 8, 4}, {200, 33, 97}}) {
    const auto v = random_matrix(P, K, P * 31 + K);
    BootstrapOptions o;
    o.resamples = B;
    o.seed = 9;
    const auto fast = bootstrap_means(v.data(), P, K, o);
    const auto naive = bootstrap_means_naive(v.data(), P, K, o);
    REQUIRE(fast.size() == naive.size());
    for (std::size_t i = 0; i < fast.size(); ++i) REQUIRE(fast[i] == Approx(naive[i]).margin(1e-13));
    // Column j of resample b is Σ counts·values / P.
    const auto counts = bootstrap_counts(9, B - 1, P);
    double expect = 0;
    for (std::size_t p = 0; p < P; ++p) expect += counts[p] * v[p * K + (K - 1)];
    CHECK(fast[(K - 1) * B + (B - 1)] == Approx(expect / P).margin(1e-13));
  }
}

TEST_CASE("bootstrap: same seed gives the same bytes at any thread count", "[passk]") {
  const std::size_t P = 300, K = 70;
  const auto v = random_matrix(P, K, 1);
  BootstrapOptions o;
  o.resamples = 333;
  o.seed = 123;
  o.threads = 1;
  const auto ref = bootstrap_mean_ci(v.data(), P, K, o);
  for (unsigned t : {2u, 3u, 8u}) {
    o.threads = t;
    const auto got = bootstrap_mean_ci(v.data(), P, K, o);
    for (std::size_t j = 0; j < K; ++j) {
      REQUIRE(got[j].low == ref[j].low);  // bitwise, not approximately
      REQUIRE(got[j].high == ref[j].high);
    }
  }
  o.seed = 124;
  const auto other = bootstrap_mean_ci(v.data(), P, K, o);
  bool differs = false;
  for (std::size_t j = 0; j < K; ++j) differs = differs || other[j].low != ref[j].low;
  CHECK(differs);
  // Resample b does not depend on B: the first 100 of 333 resamples are the 100 of a B = 100 run.
  o.seed = 123;
  const auto all = bootstrap_means(v.data(), P, K, o);
  o.resamples = 100;
  const auto first = bootstrap_means(v.data(), P, K, o);
  CHECK(first[5 * 100 + 99] == all[5 * 333 + 99]);
}

TEST_CASE("bootstrap: the CI contains the point estimate and shrinks with more problems", "[passk]") {
  std::mt19937_64 gen(77);
  BootstrapOptions o;
  o.seed = 5;
  double previous_width = 1.0;
  for (std::size_t P : {50u, 200u, 800u}) {
    const auto x = bernoulli_column(P, 0.3, gen);
    const auto ci = bootstrap_mean_ci(x.data(), P, 1, o).at(0);
    const double m = mean(x);
    INFO("P=" << P << " mean=" << m << " CI=[" << ci.low << ", " << ci.high << "]");
    CHECK(ci.low <= m);
    CHECK(m <= ci.high);
    const double width = ci.high - ci.low;
    // ≈ 2·1.96·sqrt(p(1−p)/P): 0.254, 0.127, 0.0635
    CHECK(width == Approx(2 * 1.96 * std::sqrt(0.21 / P)).epsilon(0.25));
    CHECK(width < previous_width);
    previous_width = width;
  }
}

TEST_CASE("bootstrap: coverage of a known Bernoulli mean is close to nominal (seeded simulation)", "[passk]") {
  // 400 data sets of 100 problems with pass@1 ~ Bernoulli(0.3); count how often the 95% interval
  // covers 0.3. Binomial sd of the coverage at 400 trials ≈ 0.011; the percentile bootstrap is a
  // little liberal at this size, so accept [0.89, 0.985].
  std::mt19937_64 gen(2024);
  BootstrapOptions o;
  o.resamples = 400;
  int covered = 0;
  const int trials = 400;
  for (int t = 0; t < trials; ++t) {
    const auto x = bernoulli_column(100, 0.3, gen);
    o.seed = static_cast<std::uint64_t>(t);
    const auto ci = bootstrap_mean_ci(x.data(), x.size(), 1, o).at(0);
    covered += ci.low <= 0.3 && 0.3 <= ci.high;
  }
  const double coverage = static_cast<double>(covered) / trials;
  INFO("coverage = " << coverage);
  CHECK(coverage >= 0.89);
  CHECK(coverage <= 0.985);
}

TEST_CASE("bootstrap CIs through compute_passk: reproducible, at every reported k", "[passk]") {
  std::vector<ProblemOutcome> in;
  std::mt19937_64 gen(8);
  for (int i = 0; i < 120; ++i) {
    ProblemOutcome o;
    o.group = {"m", "t", "mode", "{\"temperature\":1}"};
    o.problem_id = "p" + std::to_string(i);
    o.n = 32;
    o.c = static_cast<std::int64_t>(gen() % 33) * (i % 3 == 0 ? 0 : 1);
    in.push_back(o);
  }
  PasskOptions opt;
  opt.seed = 99;
  opt.threads = 1;
  const auto a = compute_passk(in, opt);
  opt.threads = 2;
  const auto b = compute_passk(in, opt);
  const auto& pa = a.results.at(0).points;
  const auto& pb = b.results.at(0).points;
  REQUIRE(pa.size() == 6);  // 1 2 4 8 16 32
  for (std::size_t j = 0; j < pa.size(); ++j) {
    CHECK(pa[j].has_ci);
    CHECK(pa[j].ci_low == pb[j].ci_low);
    CHECK(pa[j].ci_high == pb[j].ci_high);
    CHECK(pa[j].ci_low <= pa[j].value);
    CHECK(pa[j].value <= pa[j].ci_high);
    CHECK(pa[j].ci_low < pa[j].ci_high);
  }
  CHECK(pa.back().value <= 2.0 / 3.0 + 1e-12);  // every third problem is never solved
}

TEST_CASE("bootstrap rejects bad options", "[passk]") {
  const std::vector<double> v = {0.5, 0.25};
  BootstrapOptions o;
  o.resamples = 0;
  CHECK_THROWS_AS(bootstrap_mean_ci(v.data(), 2, 1, o), std::invalid_argument);
  o.resamples = 10;
  o.confidence = 0.0;
  CHECK_THROWS_AS(bootstrap_mean_ci(v.data(), 2, 1, o), std::invalid_argument);
  o.confidence = 0.95;
  CHECK(bootstrap_mean_ci(v.data(), 0, 1, o).size() == 1);
  CHECK(bootstrap_mean_ci(v.data(), 2, 0, o).empty());
}
