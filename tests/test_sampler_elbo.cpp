// [sampler][elbo]: the Monte Carlo ELBO against exact enumeration on a tiny model.
#include <torch/torch.h>

#include <cmath>

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
  REQUIRE(trafl::test::run_cli("init-model --config " + dir.file("config.json") + " --out " + dir.file("m")).exit_code == 0);
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
