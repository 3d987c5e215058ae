// Trajectory-locking diagnostics on constructed cases whose answers are known in closed form.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "diagnostics/answer_key.hpp"
#include "diagnostics/distinct.hpp"
#include "diagnostics/diagnostics.hpp"
#include "diagnostics/aggregate.hpp"
#include "diagnostics/order_distance.hpp"
#include "diagnostics/output.hpp"
#include "diagnostics/problem_stats.hpp"
#include "metrics/passk.hpp"
#include "store/store.hpp"
#include "tests/support.hpp"
#include "tests/test_diagnostics_fixture.hpp"

using namespace trafl;
using namespace trafl::diagnostics;

namespace {

// splitmix64 → uniform [0, 1): portable, unlike std:: distributions.
struct Rng {
  std::uint64_t s;
  double uniform() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return static_cast<double>((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
  }
};

// Expected distinct answers by enumerating every k-subset (small n only).
double brute_expected_distinct(const std::vector<int>& answer_of_sample, int k) {
  const int n = static_cast<int>(answer_of_sample.size());
  double total = 0;
  long subsets = 0;
  for (unsigned mask = 0; mask < (1u << n); ++mask) {
    if (__builtin_popcount(mask) != k) continue;
    std::vector<int> seen;
    for (int i = 0; i < n; ++i)
      if (mask & (1u << i)) seen.push_back(answer_of_sample[i]);
    std::sort(seen.begin(), seen.end());
    total += static_cast<double>(std::unique(seen.begin(), seen.end()) - seen.begin());
    ++subsets;
  }
  return total / static_cast<double>(subsets);
}

}  // namespace

TEST_CASE("Kendall distance: identical 0, reversed 1, ties count one half", "[diagnostics]") {
  Steps a(10), rev(10);
  std::iota(a.begin(), a.end(), 0);
  for (int i = 0; i < 10; ++i) rev[i] = 9 - i;
  CHECK(kendall_distance(a, a) == 0.0);
  CHECK(kendall_distance(a, rev) == 1.0);
  // All tied vs strict: every pair is tied in exactly one order → 1/2.
  Steps tied(10, 3);
  CHECK(kendall_distance(a, tied) == 0.5);
  CHECK(kendall_distance(tied, tied) == 0.0);
  // Blocks of 5: reversing inside each block is distance 1 over within-block pairs only.
  Steps block_rev = {4, 3, 2, 1, 0, 9, 8, 7, 6, 5};
  CHECK(kendall_distance(a, block_rev, 5) == 1.0);
  CHECK(kendall_distance(a, block_rev, 0) < 1.0);  // cross-block pairs agree
}

TEST_CASE("Kendall distance equals the O(L^2) definition on random orders with ties", "[diagnostics]") {
  Rng rng{7};
  for (int trial = 0; trial < 200; ++trial) {
    const std::size_t L = 1 + static_cast<std::size_t>(rng.uniform() * 40);
    const int values = 1 + static_cast<int>(rng.uniform() * 12);  // few values → many ties
    Steps a(L), b(L);
    for (auto& v : a) v = static_cast<std::int32_t>(rng.uniform() * values);
    for (auto& v : b) v = static_cast<std::int32_t>(rng.uniform() * values);
    const std::size_t block = trial % 3 == 0 ? 0 : 1 + static_cast<std::size_t>(rng.uniform() * 8);
    const auto fast = kendall_counts(a, b, block), slow = kendall_counts_naive(a, b, block);
    INFO("trial " << trial << " L " << L << " block " << block);
    CHECK(fast.pairs == slow.pairs);
    CHECK(fast.discordant == slow.discordant);
    CHECK(fast.half_tied == slow.half_tied);
  }
}

TEST_CASE("step-assignment distance and position entropy", "[diagnostics]") {
  Steps a = {0, 1, 2, 3}, b = {0, 1, 3, 2};
  CHECK(step_assignment_distance(a, a) == 0.0);
  CHECK(step_assignment_distance(a, b) == 0.5);
  CHECK(position_step_entropy({&a, &a, &a}) == 0.0);
  // Two samples disagreeing at half the positions: entropy 1 bit there (normalised by log2 2 = 1).
  CHECK(position_step_entropy({&a, &b}) == Approx(0.5));
}

TEST_CASE("expected distinct answers: exact formula against enumeration", "[diagnostics]") {
  // All samples identical → exactly one distinct answer at every k.
  for (std::int64_t k = 1; k <= 8; ++k) CHECK(expected_distinct(8, {8}, k) == Approx(1.0));
  // Uniform over A answers with m = n/A each: A (1 − C(n−m, k)/C(n, k)).
  const std::int64_t n = 12, A = 4, m = 3;
  for (std::int64_t k = 1; k <= n; ++k) {
    double q = 1;  // C(n−m, k)/C(n, k)
    for (std::int64_t j = 0; j < k; ++j)
      q *= std::max<double>(0, static_cast<double>(n - m - j)) / static_cast<double>(n - j);
    CHECK(expected_distinct(n, {m, m, m, m}, k) == Approx(A * (1 - q)));
  }
  CHECK(expected_distinct(12, {3, 3, 3, 3}, 1) == Approx(1.0));
  CHECK(expected_distinct(12, {3, 3, 3, 3}, 12) == Approx(4.0));
  // All different: k distinct answers in any k-subset.
  CHECK(expected_distinct(5, {1, 1, 1, 1, 1}, 3) == Approx(3.0));
  // A skewed case against brute force over all subsets.
  const std::vector<int> answers = {0, 0, 0, 0, 0, 1, 1, 2, 3, 3};
  for (int k = 1; k <= 10; ++k)
    CHECK(expected_distinct(10, {5, 2, 1, 2}, k) == Approx(brute_expected_distinct(answers, k)));
  CHECK(entropy_bits({4}) == 0.0);
  CHECK(entropy_bits({1, 1, 1, 1}) == Approx(2.0));
}

TEST_CASE("answer keys: math up to spacing, code up to comments and whitespace", "[diagnostics]") {
  CHECK(math_answer_key("\\frac {1}{2}") == math_answer_key("\\frac{1}{2}"));
  CHECK(math_answer_key("$\\left( 1,2 \\right)$") == "(1,2)");
  CHECK(math_answer_key("3") != math_answer_key("4"));
  const std::string a = "def f(x):\n    # add one\n    return x + 1  # done\n\n";
  const std::string b = "def f(x):\n    return x   +   1\n";
  CHECK(code_answer_key(a) == code_answer_key(b));
  CHECK(code_answer_key("s = '# not a comment'\n") == "s = '# not a comment'\n");
  CHECK(code_answer_key("def f(x):\n    return x\n") != code_answer_key("def f(x):\n    return -x\n"));
}

TEST_CASE("identical samples: one distinct answer, zero path diversity", "[diagnostics]") {
  std::vector<SampleView> samples;
  for (int i = 0; i < 6; ++i) samples.push_back({i, true, "42", {0, 0, 1, 2, 3, 3}});
  const auto p = summarize_problem("p", {}, samples, {});
  CHECK(p.n == 6);
  CHECK(p.c == 6);
  CHECK(p.correct_counts == std::vector<std::int64_t>{6});
  CHECK(p.answer_entropy == 0.0);
  REQUIRE(p.kendall);
  CHECK(*p.kendall == 0.0);
  CHECK(*p.step_distance == 0.0);
  CHECK(*p.distinct_orders == 0.0);
  CHECK(*p.position_entropy == 0.0);
  CHECK(p.pairs_used == 15);
  // All orders different (each sample a rotation): distinct-order fraction 1.
  std::vector<SampleView> varied;
  for (int i = 0; i < 4; ++i) {
    Steps s(4);
    for (int j = 0; j < 4; ++j) s[j] = (i + j) % 4;
    varied.push_back({i, true, "42", s});
  }
  const auto q = summarize_problem("q", {}, varied, {});
  CHECK(*q.distinct_orders == 1.0);
  CHECK(*q.kendall > 0.0);
  // Pair sampling: capped and deterministic.
  TrajectoryOptions capped;
  capped.max_pairs = 3;
  const auto r1 = summarize_problem("q", {}, varied, capped), r2 = summarize_problem("q", {}, varied, capped);
  CHECK(r1.pairs_used == 3);
  CHECK(*r1.kendall == *r2.kendall);
}

TEST_CASE("crossover rule", "[diagnostics]") {
  Comparison c;
  for (auto [k, v] : std::vector<std::pair<int, double>>{{1, 0.1}, {2, 0.05}, {4, -0.01}, {8, -0.2}})
    c.delta.push_back({k, v, true, v - 0.05, v + 0.05});
  find_crossover(c);
  REQUIRE(c.crossover_k);
  CHECK(*c.crossover_k == 4);
  CHECK_FALSE(c.below_from_start);
  REQUIRE(c.significant_below_k);
  CHECK(*c.significant_below_k == 8);
  Comparison below;
  below.delta = {{1, -0.1, false, 0, 0}, {2, -0.2, false, 0, 0}};
  find_crossover(below);
  CHECK(below.below_from_start);
  CHECK_FALSE(below.crossover_k);
}

TEST_CASE("diagnose on a store: crossover, locking and paired CI where constructed", "[diagnostics]") {
  test::TempDir dir;
  Store store(dir.file("runs.db"));
  const nlohmann::json config = {{"gen_length", 16}, {"steps", 16}, {"block_length", 16}, {"temperature", 1.0}};
  // 40 problems × 16 samples. Baseline: 2 correct everywhere (pass@1 = 0.125, pass@16 = 1).
  // Sharpened model: 8 correct on half the problems, 0 on the rest (pass@1 = 0.25, pass@16 = 0.5).
  // Δ(1) = +0.125, Δ(2) = 0.3833 − 0.2417 > 0, Δ(4) = 0.4808 − 0.45 > 0, Δ(8) = 0.49996 − 0.7667 < 0:
  // the crossover is k = 8. λ = ln(G_base / G_model) = ln((1 − 0.125) / (0.5 − 0.25)) = ln 3.5.
  std::vector<test::FixtureProblem> base, sharp;
  for (int i = 0; i < 40; ++i) {
    const std::string id = "p" + std::to_string(100 + i);
    base.push_back(test::counts_problem(id, 16, 2));
    sharp.push_back(test::counts_problem(id, 16, i % 2 == 0 ? 8 : 0));
  }
  test::add_fixture_run(store, "base", "math500", config, base);
  test::add_fixture_run(store, "sharp", "math500", config, sharp);
  Options o;
  o.baseline = "base";
  o.bootstrap = 400;
  const auto r = run(store, o);
  REQUIRE(r.cells.size() == 1);
  REQUIRE(r.cells[0].models.size() == 2);
  CHECK(r.cells[0].models[0].model == "base");  // baseline first
  const auto& m = r.cells[0].models[1];
  REQUIRE(m.vs_baseline);
  const auto& c = *m.vs_baseline;
  CHECK(c.common_problems == 40);
  REQUIRE(c.crossover_k);
  CHECK(*c.crossover_k == 8);
  CHECK_FALSE(c.below_from_start);
  REQUIRE(c.locking);
  CHECK(*c.locking == Approx(std::log(3.5)));
  CHECK(m.coverage == Approx(0.5));
  CHECK(r.cells[0].models[0].coverage == Approx(1.0));
  CHECK(m.passk.front().value == Approx(0.25));
  CHECK(c.delta.front().value == Approx(0.125));
  // One distinct correct answer per solved problem at most ("1").
  CHECK(m.distinct_correct.back().value == Approx(0.5));
  // The answer string differs by written form only: "1" and "2" → 2 answers on mixed problems.
  CHECK(r.cells[0].models[0].answer_entropy > 0.0);
  // Δ at k = 16: 0.5 − 1 = −0.5 with every problem contributing −0.5 or −1... its CI must be below 0.
  REQUIRE(c.significant_below_k);
  CHECK(c.delta.back().ci_high < 0);
  CHECK(c.delta.back().ci_low <= c.delta.back().value);
  CHECK(c.delta.back().value <= c.delta.back().ci_high);
}

TEST_CASE("paired bootstrap CI covers the true difference of a generating process", "[diagnostics]") {
  // Problems with latent solve rates; the model adds +0.1 to each rate (capped). The population
  // Δpass@1 is E[min(r + 0.1, 1) − r] over the rate distribution, computed exactly below.
  test::TempDir dir;
  Store store(dir.file("runs.db"));
  Rng rng{2026};
  std::vector<test::FixtureProblem> base, better;
  const int P = 150, n = 20;
  for (int i = 0; i < P; ++i) {
    const double rate = 0.1 + 0.8 * (i % 9) / 8.0;  // 9 equally likely rates in [0.1, 0.9]
    const double rate_m = std::min(1.0, rate + 0.1);
    test::FixtureProblem pb, pm;
    pb.id = pm.id = "q" + std::to_string(1000 + i);
    for (int s = 0; s < n; ++s) {
      const bool cb = rng.uniform() < rate, cm = rng.uniform() < rate_m;
      pb.samples.push_back({cb, cb ? "1" : "2", {}, ""});
      pm.samples.push_back({cm, cm ? "1" : "2", {}, ""});
    }
    base.push_back(pb);
    better.push_back(pm);
  }
  double true_delta = 0;
  for (int j = 0; j < 9; ++j) {
    const double rate = 0.1 + 0.8 * j / 8.0;
    true_delta += (std::min(1.0, rate + 0.1) - rate) / 9.0;
  }
  const nlohmann::json config = {{"gen_length", 32}};
  test::add_fixture_run(store, "base", "math500", config, base);
  test::add_fixture_run(store, "better", "math500", config, better);
  Options o;
  o.baseline = "base";
  o.bootstrap = 1000;
  const auto r = run(store, o);
  const auto& d = r.cells.at(0).models.at(1).vs_baseline->delta.front();
  INFO("delta " << d.value << " CI [" << d.ci_low << ", " << d.ci_high << "] true " << true_delta);
  CHECK(d.ci_low <= true_delta);
  CHECK(true_delta <= d.ci_high);
  CHECK(d.ci_high - d.ci_low < 0.1);
  // Deterministic: same seed → same bytes.
  const auto again = run(store, o);
  CHECK(again.cells.at(0).models.at(1).vs_baseline->delta.front().ci_low == d.ci_low);
}

TEST_CASE("diagnose reads trajectories: locked model has zero order diversity", "[diagnostics]") {
  test::TempDir dir;
  Store store(dir.file("runs.db"));
  const nlohmann::json config = {{"gen_length", 8}, {"steps", 8}, {"block_length", 4}, {"seed", 3}};
  std::vector<test::FixtureProblem> locked, diverse;
  for (int i = 0; i < 5; ++i) {
    test::FixtureProblem l, d;
    l.id = d.id = "t" + std::to_string(i);
    for (int s = 0; s < 6; ++s) {
      l.samples.push_back({true, "7", {0, 1, 2, 3, 4, 5, 6, 7}, ""});
      Steps steps = {0, 1, 2, 3, 4, 5, 6, 7};
      std::rotate(steps.begin(), steps.begin() + (s % 4), steps.begin() + 4);  // vary the first block's order
      d.samples.push_back({true, s % 2 ? "7" : "7.0", steps, ""});
    }
    locked.push_back(l);
    diverse.push_back(d);
  }
  test::add_fixture_run(store, "locked", "math500", config, locked);
  test::add_fixture_run(store, "diverse", "math500", config, diverse);
  Options o;
  o.baseline = "diverse";
  o.bootstrap = 0;
  const auto r = run(store, o);
  REQUIRE(r.cells.size() == 1);  // "seed" is not part of the cell
  const auto& cell = r.cells[0];
  CHECK(cell.label == "L=8 steps=8 block=4");
  const auto& lk = cell.models[1];
  REQUIRE(lk.model == "locked");
  CHECK(lk.trajectory.problems == 5);
  CHECK(lk.trajectory.kendall == 0.0);
  CHECK(lk.trajectory.distinct_orders == 0.0);
  CHECK(lk.trajectory.position_entropy == 0.0);
  CHECK(cell.models[0].trajectory.kendall > 0.0);
  CHECK(lk.distinct_correct.back().value == Approx(1.0));
  CHECK(cell.models[0].distinct_correct.back().value == Approx(2.0));  // "7" and "7.0" written differently
  REQUIRE(lk.vs_baseline->order_diversity_drop);
  CHECK(*lk.vs_baseline->order_diversity_drop == Approx(1.0));
  CHECK(*lk.vs_baseline->distinct_drop == Approx(0.5));
  CHECK_FALSE(lk.vs_baseline->locking);  // both solve everything: no budget gain, λ undefined
  // Outputs: files and JSON keys.
  const auto files = write_outputs(r, dir.file("out"));
  CHECK(files.size() == 6);
  const auto json = nlohmann::json::parse(test::read_file(dir.file("out/diagnostics.json")));
  CHECK(json["schema"] == "trafl-eval/diagnostics");
  CHECK(json["cells"][0]["models"][1]["trajectory"]["kendall"] == 0.0);
  CHECK(test::read_file(dir.file("out/summary.csv")).find("locked") != std::string::npos);
}

TEST_CASE("diagnose errors: unknown baseline lists the models -- missing database", "[diagnostics]") {
  test::TempDir dir;
  {
    Store store(dir.file("runs.db"));
    test::add_fixture_run(store, "alpha", "math500", {{"gen_length", 8}}, {test::counts_problem("p", 4, 1)});
    test::add_fixture_run(store, "beta", "math500", {{"gen_length", 8}}, {test::counts_problem("p", 4, 2)});
    Options o;
    o.baseline = "gamma";
    CHECK_THROWS_WITH(run(store, o), Catch::Contains("alpha, beta"));
    o.baseline = "";
    o.task = "gsm8k";
    CHECK_THROWS_WITH(run(store, o), Catch::Contains("math500"));
  }
  auto missing = test::run_cli("diagnose --db '" + dir.file("nope.db") + "'");
  CHECK(missing.exit_code != 0);
  CHECK_THAT(missing.out, Catch::Contains("no such database"));
  auto unknown = test::run_cli("diagnose --db '" + dir.file("runs.db") + "' --baseline gamma");
  CHECK(unknown.exit_code != 0);
  CHECK_THAT(unknown.out, Catch::Contains("alpha, beta"));
  auto ok = test::run_cli("diagnose --db '" + dir.file("runs.db") + "' --baseline alpha --bootstrap 50 --out '" +
                          dir.file("o") + "'");
  CHECK(ok.exit_code == 0);
  CHECK_THAT(ok.out, Catch::Contains("math500 · L=8"));
  CHECK(std::filesystem::exists(dir.file("o/passk.csv")));
}

TEST_CASE("diagnose refuses one model name over two different checkpoints in one cell", "[diagnostics]") {
  test::TempDir dir;
  Store store(dir.file("runs.db"));
  const std::vector<test::FixtureProblem> problems = {{"p1", {}, {{true, "1", {}, ""}, {false, "2", {}, ""}}, ""}};
  // Same name and cell (gen_length), different checkpoints: pooling them would mix two models.
  test::add_fixture_run(store, "base", "math", {{"gen_length", 32}, {"model_sha256", "aaa"}}, problems);
  test::add_fixture_run(store, "base", "math", {{"gen_length", 32}, {"model_sha256", "bbb"}}, problems, "symbolic", 1);
  Options o;
  CHECK_THROWS_WITH(run(store, o), Catch::Contains("model name 'base' names two different models") &&
                                       Catch::Contains("aaa") && Catch::Contains("bbb"));
  // The same checkpoint under another seed pools as before.
  Store store2(dir.file("runs2.db"));
  test::add_fixture_run(store2, "base", "math", {{"gen_length", 32}, {"model_sha256", "aaa"}}, problems);
  test::add_fixture_run(store2, "base", "math", {{"gen_length", 32}, {"model_sha256", "aaa"}}, problems, "symbolic", 1);
  CHECK(run(store2, o).cells.size() == 1);
  // A run without samples (a campaign killed before its first batch, its checkpoint replaced since
  // under the same name) claims nothing, whether it comes first or last.
  for (bool empty_first : {true, false}) {
    Store store3(dir.file(empty_first ? "runs3.db" : "runs4.db"));
    if (empty_first) test::add_fixture_run(store3, "base", "math", {{"gen_length", 32}, {"model_sha256", "old"}}, {});
    test::add_fixture_run(store3, "base", "math", {{"gen_length", 32}, {"model_sha256", "new"}}, problems);
    if (!empty_first)
      test::add_fixture_run(store3, "base", "math", {{"gen_length", 32}, {"model_sha256", "old"}}, {}, "symbolic", 1);
    INFO("empty run first: " << empty_first);
    const auto result = run(store3, o);
    REQUIRE(result.cells.size() == 1);
  }
}
