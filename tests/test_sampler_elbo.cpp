// [sampler][elbo]: the Monte Carlo ELBO against exact enumeration on a tiny model.
#include <torch/torch.h>

#include <cmath>
#include <cstdio>

#include "core/error.hpp"
#include "model/llada.hpp"
#include "sampling/elbo.hpp"
#include "test_model_util.hpp"
#include "tests/support.hpp"
#include <nlohmann/json.hpp>
// Catch last: torch (glog) defines CHECK too, Catch must win.
#include <catch2/catch.hpp>

using namespace trafl::sampling;
using trafl::model::LLaDAModel;

TEST_CASE("stratified masks follow the reference forward_process", "[sampler][elbo]") {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    // b = T: the counts are k, k+1, ..., wrapped into 1..T -> each count exactly once.
    const torch::Tensor m = stratified_masks(5, 5, seed);
    REQUIRE(m.sizes() == torch::IntArrayRef({5, 5}));
    const torch::Tensor counts = m.sum(1);
    for (std::int64_t c = 1; c <= 5; ++c) CHECK((counts == c).sum().item<std::int64_t>() == 1);
    // b = 2T: k + i/2 rounded half-to-even (torch.round), always within 1..T.
    const torch::Tensor c2 = stratified_masks(5, 10, seed).sum(1);
    CHECK(c2.min().item<std::int64_t>() >= 1);
    CHECK(c2.max().item<std::int64_t>() <= 5);
  }
  CHECK(torch::equal(stratified_masks(7, 4, 9), stratified_masks(7, 4, 9)));
}

TEST_CASE("MC ELBO converges to the exact ELBO within its standard error", "[sampler][elbo]") {
  trafl::test::torch_test_threads();
  const LLaDAModel m = LLaDAModel::init(trafl::test::tiny_llada_config(), 17);
  const std::vector<std::int64_t> prompt = {256, 72, 105, 58};
  const std::vector<std::int64_t> answer = {52, 50, 257, 257};
  const double exact = exact_elbo(m, prompt, answer);
  CHECK(exact < 0);
  // log p(answer) >= ELBO; a random 264-way model gives about T·log(1/264) per answer.
  CHECK(exact > 4 * std::log(1.0 / 264) - 5);

  ElboOptions o;
  o.mc = 1024;
  o.batch_size = 16;
  o.seed = 3;
  const ElboEstimate e = estimate_elbo(m, prompt, answer, o);
  INFO("exact " << exact << " mc " << e.mean << " se " << e.std_error);
  CHECK(e.std_error > 0);
  CHECK(std::abs(e.mean - exact) < 4 * e.std_error);
  // Caller-supplied masks: a full mask row gives Σ log p(y_j | prompt, all masked).
  const torch::Tensor full = torch::ones({1, 4}, torch::kBool);
  const double t = masked_loglik_terms(m, prompt, answer, full)[0].item<double>();
  CHECK(t < 0);
  CHECK_THROWS_AS(masked_loglik_terms(m, prompt, answer, torch::zeros({1, 4}, torch::kBool)), trafl::UsageError);
}

TEST_CASE("loglik CLI: ELBO with standard error, reproducible for a seed, bad --mc refused", "[sampler][elbo][cli]") {
  trafl::test::TempDir dir;
  trafl::model::write_model_config(dir.file("config.json"), trafl::test::tiny_llada_config());
  REQUIRE(
      trafl::test::run_cli("init-model --config " + dir.file("config.json") + " --out " + dir.file("m")).exit_code ==
      0);
  const std::string base = "loglik --model " + dir.file("m") + " --prompt 'What is 2+3?' --completion ' 5' --threads 2";
  const auto a = trafl::test::run_cli(base + " --mc 32 --batch-size 8 --seed 4 --json");
  INFO(a.out);
  REQUIRE(a.exit_code == 0);
  const auto j = nlohmann::json::parse(a.out.substr(a.out.find('{')));
  const double elbo = j.at("elbo").get<double>();
  CHECK(std::isfinite(elbo));
  CHECK(elbo < 0.0);  // a sum of log-probabilities of at least one token
  CHECK(j.at("std_error").get<double>() >= 0.0);
  CHECK(j.at("rows").get<int>() == 32);
  CHECK(j.at("completion_tokens").get<int>() >= 1);
  // Same seed, same estimate; the text form names the unit and the standard error.
  CHECK(trafl::test::run_cli(base + " --mc 32 --batch-size 8 --seed 4 --json").out == a.out);
  const auto text = trafl::test::run_cli(base + " --mc 16 --batch-size 8");
  CHECK(text.exit_code == 0);
  CHECK_THAT(text.out, Catch::Contains("nats (standard error"));
  CHECK(trafl::test::run_cli(base + " --mc 10 --batch-size 8").exit_code == 2);
}

// ---- coupled (mask, complement) draws and the differentiable surrogate ----

namespace {

struct Moments {
  double mean = 0, var = 0;
};

// The estimator (mean over the K rows of each replicate) through a table of exact per-mask terms.
Moments estimator_moments(const torch::Tensor& masks /*[K, N, T]*/, const std::vector<double>& term_of_bits) {
  const std::int64_t K = masks.size(0), N = masks.size(1), T = masks.size(2);
  const torch::Tensor weights = torch::pow(2, torch::arange(T, torch::kLong)).view({1, 1, T});
  const torch::Tensor bits = (masks.to(torch::kLong) * weights).sum(2);  // [K, N]
  const auto b = bits.accessor<std::int64_t, 2>();
  std::vector<double> est(static_cast<std::size_t>(N), 0.0);
  for (std::int64_t n = 0; n < N; ++n) {
    for (std::int64_t k = 0; k < K; ++k)
      est[static_cast<std::size_t>(n)] += term_of_bits[static_cast<std::size_t>(b[k][n])];
    est[static_cast<std::size_t>(n)] /= static_cast<double>(K);
  }
  Moments m;
  for (double e : est) m.mean += e / static_cast<double>(N);
  for (double e : est) m.var += (e - m.mean) * (e - m.mean) / static_cast<double>(N - 1);
  return m;
}

}  // namespace

TEST_CASE("coupled masks: complement pairs, stratified sizes, prompt untouched", "[sampler][elbo][surrogate]") {
  const std::int64_t T = 6, G = 3000, K = 4;
  const torch::Tensor m = coupled_masks(T, G, K, 11);
  REQUIRE(m.sizes() == torch::IntArrayRef({K, G, T}));
  CHECK((m.sum(2) >= 1).all().item<bool>());  // every row masks something
  for (std::int64_t p = 0; p < K / 2; ++p) {
    const torch::Tensor a = m[2 * p], b = m[2 * p + 1];
    const torch::Tensor full = a.all(1);
    // partner = complement, or the same full mask
    CHECK(torch::equal(torch::where(full.unsqueeze(1), a, a.logical_not()), b));
  }
  // Each row's size is marginally uniform on 1..T (the unbiasedness argument needs it).
  const torch::Tensor sizes = m[0].sum(1);
  for (std::int64_t l = 1; l <= T; ++l) {
    const double f = (sizes == l).sum().item<double>() / G;
    INFO("size " << l << " frequency " << f);
    CHECK(std::abs(f - 1.0 / T) < 0.03);
  }
  // The two pairs of one completion are stratified: their sizes differ by T/2 (mod T).
  CHECK(torch::equal((m[0].sum(1) - 1 + T / 2) % T, m[2].sum(1) - 1));
  CHECK(torch::equal(coupled_masks(T, 5, K, 3), coupled_masks(T, 5, K, 3)));
  CHECK_THROWS_AS(coupled_masks(T, 5, 3, 3), trafl::UsageError);
  // T = 1: the only mask is the full one, twice.
  CHECK(coupled_masks(1, 2, 2, 0).all().item<bool>());
}

TEST_CASE("coupled estimator: unbiased for the exact ELBO, lower variance than independent draws",
          "[sampler][elbo][surrogate]") {
  trafl::test::torch_test_threads();
  const LLaDAModel m = LLaDAModel::init(trafl::test::tiny_llada_config(), 17);
  const std::vector<std::int64_t> prompt = {256, 72, 105, 58};
  const std::vector<std::int64_t> answer = {52, 50, 257, 257};
  const std::int64_t T = 4, n = (1 << T) - 1;
  // The exact term (T/m) Σ_masked log p of every one of the 15 masks: estimators become table lookups.
  torch::Tensor all = torch::zeros({n, T}, torch::kBool);
  for (std::int64_t s = 1; s <= n; ++s)
    for (std::int64_t j = 0; j < T; ++j) all[s - 1][j] = ((s >> j) & 1) != 0;
  const torch::Tensor terms = masked_loglik_terms(m, prompt, answer, all);
  std::vector<double> term_of_bits(static_cast<std::size_t>(n + 1), 0.0);
  for (std::int64_t s = 1; s <= n; ++s) term_of_bits[static_cast<std::size_t>(s)] = terms[s - 1].item<double>();
  const double exact = exact_elbo(m, prompt, answer);

  const std::int64_t N = 20000, K = 4;
  const Moments coupled = estimator_moments(coupled_masks(T, N, K, 5), term_of_bits);
  const Moments indep = estimator_moments(independent_masks(T, N, K, 5), term_of_bits);
  const double se_c = std::sqrt(coupled.var / N), se_i = std::sqrt(indep.var / N);
  std::printf(
      "[surrogate] exact ELBO %.5f | coupled K=4: mean %.5f (se %.5f) var %.3e | independent K=4: mean %.5f "
      "(se %.5f) var %.3e | variance ratio %.3f\n",
      exact, coupled.mean, se_c, coupled.var, indep.mean, se_i, indep.var, coupled.var / indep.var);
  CHECK(std::abs(coupled.mean - exact) < 4 * se_c);
  CHECK(std::abs(indep.mean - exact) < 4 * se_i);
  CHECK(coupled.var < 0.8 * indep.var);
}

TEST_CASE("sequence surrogate: same numbers as the no-grad terms, weightings, gradients",
          "[sampler][elbo][surrogate]") {
  trafl::test::torch_test_threads();
  const LLaDAModel m = LLaDAModel::init(trafl::test::tiny_llada_config(), 5);
  const std::vector<std::int64_t> prompt = {256, 72, 105};
  const torch::Tensor y = torch::tensor(std::vector<std::int64_t>{52, 50, 257, 49, 51, 257}, torch::kLong).view({2, 3});
  const torch::Tensor masks = coupled_masks(3, 2, 4, 8);  // [4, 2, 3]
  const torch::Tensor elbo = sequence_surrogate(m, prompt, y, masks, SurrogateWeight::kElbo);
  const torch::Tensor per_token = sequence_surrogate(m, prompt, y, masks, SurrogateWeight::kPerToken);
  REQUIRE(elbo.sizes() == torch::IntArrayRef({2}));
  for (std::int64_t g = 0; g < 2; ++g) {
    const std::vector<std::int64_t> ans = {y[g][0].item<std::int64_t>(), y[g][1].item<std::int64_t>(),
                                           y[g][2].item<std::int64_t>()};
    const double ref = masked_loglik_terms(m, prompt, ans, masks.select(1, g)).mean().item<double>();
    CHECK(elbo[g].item<double>() == Approx(ref).epsilon(1e-5));
    CHECK(per_token[g].item<double>() == Approx(ref / 3).epsilon(1e-5));  // 1/l = (L/l)/L
  }
  // Differentiable: gradients reach the weights; not under NoGradGuard.
  for (auto& [name, p] : m.named_parameters()) {
    torch::Tensor t = p;
    t.requires_grad_(true);
  }
  sequence_surrogate(m, prompt, y, masks, SurrogateWeight::kPerToken).sum().backward();
  double g2 = 0;
  for (auto& [name, p] : m.named_parameters())
    if (p.grad().defined()) g2 += p.grad().pow(2).sum().item<double>();
  CHECK(g2 > 0);
  {
    torch::NoGradGuard no_grad;
    CHECK_FALSE(sequence_surrogate(m, prompt, y, masks, SurrogateWeight::kElbo).requires_grad());
  }
  CHECK(parse_surrogate_weight("elbo") == SurrogateWeight::kElbo);
  CHECK_THROWS_AS(parse_surrogate_weight("paper"), trafl::UsageError);
  CHECK_THROWS_AS(sequence_surrogate(m, prompt, y, torch::zeros({1, 2, 3}, torch::kBool), SurrogateWeight::kElbo),
                  trafl::UsageError);
}
