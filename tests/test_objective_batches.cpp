// [objective][batch]: what an objective does across the groups and inner iterations of one rollout
// batch — ESPO's fresh masks per inner iteration (with θ_old and the reference scored on them), and
// JustGRPO's normalisation by the rollouts with a learning signal in the whole round (issue 15 §1).
#include <torch/torch.h>

#include <cmath>
#include <vector>

#include "core/error.hpp"
#include "model/llada.hpp"
#include "sampling/elbo.hpp"
#include "training/ar_rollout.hpp"
#include "training/losses.hpp"
#include "training/objective.hpp"
#include "test_model_util.hpp"
// Catch last: torch (glog) defines CHECK too, Catch must win.
#include <catch2/catch.hpp>

using namespace trafl::training;
using Catch::Detail::Approx;
using trafl::model::LLaDAModel;

namespace {

RolloutGroup group_of(const std::string& id, std::vector<std::int64_t> prompt,
                      std::vector<std::vector<std::int64_t>> completions, std::vector<double> rewards) {
  RolloutGroup g;
  g.problem_id = id;
  g.prompt = std::move(prompt);
  g.completions = std::move(completions);
  g.rewards = std::move(rewards);
  return g;
}

void set_requires_grad(const LLaDAModel& m) {
  for (auto& [name, p] : m.named_parameters()) {
    torch::Tensor t = p;
    t.requires_grad_(true);
  }
}

// Every parameter's gradient, flattened in a fixed order, then zeroed: [n] float64.
torch::Tensor take_grad(const LLaDAModel& m) {
  std::vector<torch::Tensor> parts;
  for (auto& [name, p] : m.named_parameters()) {
    torch::Tensor t = p;
    parts.push_back(t.grad().defined() ? t.grad().reshape({-1}).to(torch::kFloat64).clone()
                                       : torch::zeros({t.numel()}, torch::kFloat64));
    if (t.grad().defined()) t.mutable_grad().zero_();
  }
  return torch::cat(parts);
}

double rel_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).norm().item<double>() / std::max(1e-30, b.norm().item<double>());
}

}  // namespace

TEST_CASE("ESPO: fresh masks for each inner iteration, old and reference ELBOs on that iteration's masks",
          "[objective][batch]") {
  trafl::test::torch_test_threads();
  const auto config = trafl::test::tiny_llada_config();
  const LLaDAModel policy = LLaDAModel::init(config, 1);
  const LLaDAModel reference = LLaDAModel::init(config, 2);  // differs, so the KL term is not zero
  set_requires_grad(policy);
  const int mu = 3;
  const double beta = 0.5;
  auto obj = make_objective("espo", {{"inner_iterations", mu}, {"beta", beta}, {"num_mc", 1}}, config);
  std::vector<RolloutGroup> groups = {group_of(
      "toy-1", {256, 72, 105, 58}, {{52, 50, 257, 257}, {49, 257, 257, 257}, {52, 50, 48, 257}}, {1.0, 0.0, 1.0})};
  obj->prepare(policy, reference, groups, 42);
  const auto& fz = groups[0].frozen;
  const torch::Tensor masks = fz.at("masks"), old = fz.at("elbo_old"), ref = fz.at("elbo_ref");
  REQUIRE(masks.sizes() == torch::IntArrayRef({mu, 2, 3, 4}));  // μ × (num_mc pairs = 2 rows) × G × L
  REQUIRE(old.sizes() == torch::IntArrayRef({mu, 3}));
  REQUIRE(ref.sizes() == torch::IntArrayRef({mu, 3}));
  // Each iteration draws its own masks.
  for (int a = 0; a < mu; ++a)
    for (int b = a + 1; b < mu; ++b) {
      INFO(a << " vs " << b);
      CHECK_FALSE(torch::equal(masks[a], masks[b]));
    }
  const torch::Tensor y =
      torch::tensor(std::vector<std::int64_t>{52, 50, 257, 257, 49, 257, 257, 257, 52, 50, 48, 257}, torch::kLong)
          .view({3, 4});
  for (int it = 0; it < mu; ++it) {
    INFO("iteration " << it);
    torch::NoGradGuard no_grad;
    // θ_old and the reference were scored on this iteration's masks (same no-grad path: bit-equal).
    const torch::Tensor o = trafl::sampling::sequence_surrogate(policy, groups[0].prompt, y, masks[it],
                                                                trafl::sampling::SurrogateWeight::kElbo);
    const torch::Tensor r = trafl::sampling::sequence_surrogate(reference, groups[0].prompt, y, masks[it],
                                                                trafl::sampling::SurrogateWeight::kElbo);
    CHECK(torch::equal(old[it], o));
    CHECK(torch::equal(ref[it], r));
    if (it > 0) CHECK_FALSE(torch::equal(old[it], old[0]));
    // Before any update the policy is θ_old: loss(inner = it) has ratio exactly 1, so the policy term is
    // −mean(A) = 0 (leave-one-out advantages sum to zero) and the loss is β·Σ½(old − ref)²/(G·L) of this
    // iteration's ELBOs.
    StepStats stats;
    const double loss = obj->loss(policy, reference, groups[0], it, 42, stats).item<double>();
    const double kl = (0.5 * (old[it] - ref[it]).pow(2)).sum().item<double>() / (3.0 * 4.0);
    CHECK(stats.at("clip_fraction") == 0.0);
    CHECK(stats.at("policy_loss") == Approx(0.0).margin(1e-12));
    CHECK(stats.at("kl") == Approx(kl).epsilon(1e-6));  // kl above is summed in float32
    CHECK(loss == Approx(beta * kl).epsilon(1e-6));
    CHECK(stats.at("elbo_policy") == Approx(old[it].mean().item<double>()).epsilon(1e-12));
  }
  // With autograd (the training path) the current ELBO of iteration 1 matches θ_old's on masks[1] too.
  StepStats stats;
  obj->loss(policy, reference, groups[0], 1, 42, stats).backward();
  CHECK(stats.at("elbo_policy") == Approx(old[1].mean().item<double>()).epsilon(1e-5));
  CHECK(stats.at("elbo_policy") != Approx(old[0].mean().item<double>()).epsilon(1e-5));
}

TEST_CASE("JustGRPO signal divisors: per round, rollouts with A != 0 over the batch's groups", "[objective][batch]") {
  // Groups' nonzero-advantage counts {4, 0, 0, 2}; B = 4 groups.
  // One round: N = 6, n_g = 6/4 = 1.5 for all. Two rounds {4, 0} and {0, 2}: n = 4/4 = 1 and 2/4 = 0.5.
  CHECK(signal_divisors({4, 0, 0, 2}, 1) == std::vector<double>{1.5, 1.5, 1.5, 1.5});
  CHECK(signal_divisors({4, 0, 0, 2}, 2) == std::vector<double>{1.0, 1.0, 0.5, 0.5});
  // Four rounds of one group: group 1 and 2 carry nothing (0, harmless: their losses are zero).
  CHECK(signal_divisors({4, 0, 0, 2}, 4) == std::vector<double>{1.0, 0.0, 0.0, 0.5});
  CHECK_THROWS_AS(signal_divisors({4, 0, 0}, 2), trafl::UsageError);
  CHECK_THROWS_AS(signal_divisors({4}, 0), trafl::UsageError);
  // grpo_loss with a given count: ∂loss/∂logp_{i,t} = −A_i / (T · n) at ρ = 1.
  torch::Tensor logp = torch::log(torch::tensor({0.5, 0.25, 0.3, 0.3}, torch::kFloat64)).view({2, 2});
  logp.requires_grad_(true);
  const torch::Tensor A = torch::tensor({2.0, -1.0}, torch::kFloat64);
  const GrpoTerms t = grpo_loss(logp, logp.detach(), torch::Tensor(), A, torch::ones({2, 2}, torch::kFloat64), 0.2, 0.0,
                                TokenNormalization::kGenLengthNonzeroAdv, 0.5);
  t.loss.backward();
  // T = 2, n = 0.5: row 0 −2/1 = −2, row 1 +1/1 = 1.
  CHECK(logp.grad()[0][0].item<double>() == Approx(-2.0));
  CHECK(logp.grad()[1][1].item<double>() == Approx(1.0));
}

TEST_CASE("JustGRPO on a batch with degenerate groups: the batch's update is Σ_round Σ loss / (L · N_round)",
          "[objective][batch]") {
  trafl::test::torch_test_threads();
  const auto config = trafl::test::tiny_llada_config();
  const LLaDAModel policy = LLaDAModel::init(config, 5);
  set_requires_grad(policy);
  const std::int64_t L = 4;
  const std::vector<std::vector<std::int64_t>> ys = {
      {52, 50, 257, 257}, {49, 257, 257, 257}, {52, 50, 48, 257}, {55, 257, 257, 257}};
  // Rewards per group (G = 4) and their rollouts with A ≠ 0, by hand:
  //   g0 {1,0,0,0}: mean ¼, all four differ from it -> 4;  g1 {0,0,0,0}, g2 {1,1,1,1}: A ≡ 0 -> 0;
  //   g3 {1,½,½,0}: the two ½ equal the mean -> 2.
  std::vector<RolloutGroup> groups = {
      group_of("p0", {256, 72, 58}, ys, {1, 0, 0, 0}), group_of("p1", {256, 73, 58}, ys, {0, 0, 0, 0}),
      group_of("p2", {256, 74, 58}, ys, {1, 1, 1, 1}), group_of("p3", {256, 75, 58}, ys, {1, 0.5, 0.5, 0})};
  // u_g = ∇ Σ_{i,t} −A_i logp_{i,t}: each group's summed token loss at ρ = 1 (what the reference sums).
  std::vector<torch::Tensor> u;
  for (const RolloutGroup& g : groups) {
    const torch::Tensor y =
        torch::tensor(
            std::vector<std::int64_t>({52, 50, 257, 257, 49, 257, 257, 257, 52, 50, 48, 257, 55, 257, 257, 257}),
            torch::kLong)
            .view({4, L});
    const torch::Tensor A = group_normalized_advantages(torch::tensor(g.rewards, torch::kFloat32));
    (-(A.unsqueeze(1) * ar_token_logp(policy, g.prompt, y)).sum()).backward();
    u.push_back(take_grad(policy));
  }
  REQUIRE(u[0].norm().item<double>() > 0);
  CHECK(u[1].norm().item<double>() == 0.0);
  // The trainer's update for one batch: mean over the groups of objective.loss.
  auto batch_grad = [&](std::int64_t rounds) {
    auto obj = make_objective("justgrpo", {{"rounds", rounds}}, config);
    std::vector<RolloutGroup> gs = groups;
    obj->prepare(policy, policy, gs, 7);
    StepStats stats;
    for (const RolloutGroup& g : gs) (obj->loss(policy, policy, g, 0, 7, stats) / 4.0).backward();
    return take_grad(policy);
  };
  SECTION("one round: every group's loss over L · 6") {
    const torch::Tensor expected = (u[0] + u[3]) / (L * 6.0);
    CHECK(rel_diff(batch_grad(1), expected) < 1e-5);
  }
  SECTION("two accumulation rounds {g0, g1}, {g2, g3}: N = 4 and 2, the rounds summed") {
    const torch::Tensor expected = u[0] / (L * 4.0) + u[3] / (L * 2.0);
    CHECK(rel_diff(batch_grad(2), expected) < 1e-5);
  }
  SECTION("rounds must divide the batch") {
    auto obj = make_objective("justgrpo", {{"rounds", 3}}, config);
    std::vector<RolloutGroup> gs = groups;
    CHECK_THROWS_AS(obj->prepare(policy, policy, gs, 7), trafl::UsageError);
  }
}
