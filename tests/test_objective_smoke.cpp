// [objective]: every objective on a tiny LLaDA and a handmade RolloutGroup — prepare + loss +
// backward give a finite loss, gradients on the policy and none on the reference; options are
// parsed strictly; the draws depend only on the seed.
#include <torch/torch.h>

#include <cmath>

#include "core/error.hpp"
#include "model/llada.hpp"
#include "training/ar_rollout.hpp"
#include "training/objective.hpp"
#include "test_model_util.hpp"
// Catch last: torch (glog) defines CHECK too, Catch must win.
#include <catch2/catch.hpp>

using namespace trafl::training;
using trafl::model::LLaDAModel;

namespace {

RolloutGroup handmade_group() {
  RolloutGroup g;
  g.problem_id = "toy-1";
  g.prompt = {256, 72, 105, 58};
  g.completions = {{52, 50, 257, 257}, {49, 257, 257, 257}, {52, 50, 48, 257}};  // 257 = EOS padding
  g.rewards = {1.0, 0.0, 1.0};
  return g;
}

void set_requires_grad(const LLaDAModel& m) {
  for (auto& [name, p] : m.named_parameters()) {
    torch::Tensor t = p;
    t.requires_grad_(true);
  }
}

double grad_norm(const LLaDAModel& m) {
  double s = 0;
  for (auto& [name, p] : m.named_parameters())
    if (p.grad().defined()) s += p.grad().pow(2).sum().item<double>();
  return std::sqrt(s);
}

}  // namespace

TEST_CASE("each objective: one prepare + loss + backward on a tiny LLaDA", "[objective]") {
  trafl::test::torch_test_threads();
  const auto config = trafl::test::tiny_llada_config();
  const LLaDAModel policy = LLaDAModel::init(config, 1);
  const LLaDAModel reference = LLaDAModel::init(config, 1);
  set_requires_grad(policy);
  set_requires_grad(reference);  // so that a leak into the reference would show as a gradient

  // Small inner-iteration counts keep the test fast; the defaults are the baselines' own.
  const nlohmann::json options = {{"trafl", nlohmann::json::object()},
                                  {"espo", {{"inner_iterations", 2}}},
                                  {"justgrpo", nlohmann::json::object()},
                                  {"diffu-grpo", {{"inner_iterations", 2}}},
                                  {"wd1", {{"inner_iterations", 2}}}};
  REQUIRE(objective_names().size() == 5);
  for (const std::string& name : objective_names()) {
    DYNAMIC_SECTION(name) {
      auto obj = make_objective(name, options.at(name), config);
      CHECK(obj->name() == name);
      CHECK(obj->rollout_order() == (name == "justgrpo" ? RolloutOrder::kLeftToRight : RolloutOrder::kDiffusion));
      std::vector<RolloutGroup> groups = {handmade_group()};
      obj->prepare(policy, reference, groups, 42);
      for (const auto& [key, t] : groups[0].frozen) {
        INFO(key);
        CHECK_FALSE(t.requires_grad());
      }
      StepStats stats;
      const torch::Tensor loss = obj->loss(policy, reference, groups[0], obj->inner_iterations() - 1, 42, stats);
      REQUIRE(loss.dim() == 0);
      CHECK(std::isfinite(loss.item<double>()));
      CHECK(stats.count("loss") == 1);
      loss.backward();
      CHECK(grad_norm(policy) > 0);
      CHECK(grad_norm(reference) == 0);
      for (const auto& pg : obj->extra_parameter_groups()) {
        double s = 0;
        for (const auto& p : pg.params)
          if (p.grad().defined()) s += p.grad().abs().sum().item<double>();
        CHECK(pg.lr > 0);
        CHECK(s > 0);  // TraFL's log Z head learns from the same loss
      }
      for (auto& [n, p] : policy.named_parameters()) {
        torch::Tensor t = p;
        if (t.grad().defined()) t.mutable_grad().zero_();
      }
    }
  }
}

TEST_CASE("default_inner_iterations is what each objective built with default options takes", "[objective]") {
  const auto config = trafl::test::tiny_llada_config();
  for (const std::string& name : objective_names()) {
    INFO(name);
    CHECK(default_inner_iterations(name) == make_objective(name, nlohmann::json::object(), config)->inner_iterations());
  }
  // The baselines' own μ (docs/method.md §4): the demo recipe scales learning rates by it.
  CHECK(default_inner_iterations("espo") == 8);
  CHECK(default_inner_iterations("wd1") == 12);
  CHECK(default_inner_iterations("diffu-grpo") == 12);
  CHECK(default_inner_iterations("trafl") == 1);
  CHECK_THROWS_WITH(default_inner_iterations("ppo"), Catch::Contains("unknown objective 'ppo'"));
}

TEST_CASE("objective options: unknown keys, wrong types and bad values name the key", "[objective]") {
  const auto config = trafl::test::tiny_llada_config();
  auto field_of = [&](const std::string& name, const nlohmann::json& o) -> std::string {
    try {
      make_objective(name, o, config);
    } catch (const trafl::InputError& e) {
      return e.field();
    }
    return "<no error>";
  };
  CHECK(field_of("trafl", {{"betta", 1.0}}) == "betta");
  CHECK(field_of("trafl", {{"beta", "high"}}) == "beta");
  CHECK(field_of("trafl", {{"num_masks", 3}}) == "num_masks");  // coupled masks come in pairs
  CHECK(field_of("trafl", {{"weighting", "elbo"}, {"beta_scaling", "tokens"}}) == "beta_scaling");
  CHECK(field_of("espo", {{"epsilon", 1.5}}) == "epsilon");
  CHECK(field_of("diffu-grpo", {{"p_mask_prompt", 1.0}}) == "p_mask_prompt");
  CHECK(field_of("wd1", {{"inner_iterations", 0}}) == "inner_iterations");
  CHECK(field_of("justgrpo", {{"kl", 0.1}}) == "kl");
  CHECK(field_of("trafl", {{"num_masks", 2}, {"weighting", "elbo"}}) == "<no error>");
  CHECK_THROWS_AS(make_objective("grpo", nlohmann::json::object(), config), trafl::UsageError);
  CHECK(make_objective("wd1", nullptr, config)->inner_iterations() == 12);  // null = defaults (d1/wd1's μ)
}

TEST_CASE("TraFL: masks from the seed, log Z state round trip", "[objective]") {
  trafl::test::torch_test_threads();
  const auto config = trafl::test::tiny_llada_config();
  const LLaDAModel policy = LLaDAModel::init(config, 1);
  auto a = make_objective("trafl", {{"logz_hidden", 8}}, config);
  auto b = make_objective("trafl", {{"logz_hidden", 8}, {"logz_seed", 3}}, config);
  std::vector<RolloutGroup> g1 = {handmade_group()}, g2 = {handmade_group()}, g3 = {handmade_group()};
  a->prepare(policy, policy, g1, 5);
  a->prepare(policy, policy, g2, 5);
  a->prepare(policy, policy, g3, 6);
  CHECK(torch::equal(g1[0].frozen.at("masks"), g2[0].frozen.at("masks")));
  CHECK_FALSE(torch::equal(g1[0].frozen.at("masks"), g3[0].frozen.at("masks")));
  CHECK(g1[0].frozen.at("masks").sizes() == torch::IntArrayRef({4, 3, 4}));  // K = 4, G = 3, L = 4
  // Policy = reference: S_θ − S_ref = 0 on shared masks, so δ = −β̃(r − r̄) + log Z exactly.
  StepStats stats;
  a->loss(policy, policy, g1[0], 0, 5, stats);
  CHECK(stats.at("log_ratio") == Approx(0.0).margin(1e-6));

  // Make a's head non-trivial, then carry it over to b through state()/load_state().
  {
    torch::NoGradGuard no_grad;
    const std::vector<ParamGroup> groups = a->extra_parameter_groups();
    for (const auto& p : groups[0].params) torch::Tensor(p).add_(0.01);
  }
  b->load_state(a->state());
  for (const auto& [k, v] : a->state()) CHECK(torch::equal(v, b->state().at(k)));
  std::map<std::string, torch::Tensor> broken = a->state();
  broken.erase(broken.begin());
  CHECK_THROWS_AS(b->load_state(broken), trafl::UsageError);
}

TEST_CASE("left-to-right rollouts: exact log-probs, reproducible per sample", "[objective]") {
  trafl::test::torch_test_threads();
  const auto config = trafl::test::tiny_llada_config();
  const LLaDAModel m = LLaDAModel::init(config, 3);
  const std::vector<std::int64_t> p1 = {256, 72, 105}, p2 = {256, 65, 66, 67, 58};
  ArRolloutOptions o;
  o.gen_length = 5;
  o.temperature = 1.0;
  o.seed = 9;
  const auto batch = rollout_left_to_right(m, {p1, p2, p1}, {{1, 0}, {2, 0}, {1, 1}}, o);
  REQUIRE(batch.size() == 3);
  // The same (problem, index) alone gives the same tokens despite the batch's left padding.
  const auto alone = rollout_left_to_right(m, {p2}, {{2, 0}}, o);
  CHECK(alone[0].tokens == batch[1].tokens);
  // The recorded log-probs are the exact AR-order ones the JustGRPO loss differentiates.
  const torch::Tensor y = torch::tensor(batch[0].tokens, torch::kLong).view({1, 5});
  const torch::Tensor lp = ar_token_logp(m, p1, y, /*chunk_rows=*/2);
  for (std::int64_t t = 0; t < 5; ++t) CHECK(lp[0][t].item<double>() == Approx(batch[0].logp[t]).margin(1e-4));
  // and they match the definition: forward on [prompt, y_<t, MASK…] at position P + t
  torch::Tensor x = torch::full({1, 8}, config.mask_token_id, torch::kLong);
  for (std::int64_t j = 0; j < 3; ++j) x[0][j] = p1[j];
  x[0][3] = batch[0].tokens[0];
  x[0][4] = batch[0].tokens[1];
  const double direct =
      torch::log_softmax(m.forward(x, {}, 5, 1).to(torch::kFloat64), -1)[0][0][batch[0].tokens[2]].item<double>();
  CHECK(lp[0][2].item<double>() == Approx(direct).margin(1e-4));
  // T = 0 is the argmax path, the same for any seed.
  o.temperature = 0.0;
  const auto g1 = rollout_left_to_right(m, {p1}, {{1, 0}}, o);
  o.seed = 10;
  CHECK(rollout_left_to_right(m, {p1}, {{1, 0}}, o)[0].tokens == g1[0].tokens);
}

TEST_CASE("TraFL on a tiny LLaDA: a few optimiser steps on fixed rollouts lower the loss", "[objective]") {
  trafl::test::torch_test_threads();
  const auto config = trafl::test::tiny_llada_config();
  const LLaDAModel policy = LLaDAModel::init(config, 4);
  const LLaDAModel reference = LLaDAModel::init(config, 4);
  set_requires_grad(policy);
  auto obj = make_objective("trafl", {{"beta", 4.0}, {"logz_hidden", 16}, {"logz_lr", 1e-2}}, config);
  std::vector<RolloutGroup> groups = {handmade_group()};
  {
    torch::NoGradGuard no_grad;
    obj->prepare(policy, reference, groups, 1);
  }
  std::vector<torch::Tensor> params;
  for (auto& [n, p] : policy.named_parameters()) params.push_back(p);
  std::vector<torch::optim::OptimizerParamGroup> pgs;
  pgs.emplace_back(params, std::make_unique<torch::optim::AdamOptions>(3e-3));
  for (const ParamGroup& g : obj->extra_parameter_groups())
    pgs.emplace_back(g.params, std::make_unique<torch::optim::AdamOptions>(g.lr));
  torch::optim::Adam opt(pgs, torch::optim::AdamOptions(3e-3));
  std::vector<double> losses;
  for (int step = 0; step < 8; ++step) {
    opt.zero_grad();
    StepStats stats;
    torch::Tensor loss = obj->loss(policy, reference, groups[0], 0, 1, stats);
    losses.push_back(loss.item<double>());
    loss.backward();
    opt.step();
  }
  INFO("first " << losses.front() << " last " << losses.back());
  // At the start policy = reference, so δ = −β̃(r − r̄): the loss is the reward term alone.
  const double bt = 4.0 / 4;  // β/L with L = 4
  CHECK(losses.front() == Approx(bt * bt * (2 * (1.0 / 3) * (1.0 / 3) + (2.0 / 3) * (2.0 / 3)) / 3).epsilon(1e-4));
  CHECK(losses.back() < 0.5 * losses.front());
}
