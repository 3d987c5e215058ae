// [objective][batch]: what an objective does across the groups and inner iterations of one rollout
// batch: ESPO's fresh masks per inner iteration, with θ_old and the reference scored on them (issue 15 §1).
#include <torch/torch.h>

#include <cmath>
#include <vector>

#include "core/error.hpp"
#include "model/llada.hpp"
#include "sampling/elbo.hpp"
#include "training/objective.hpp"
#include "test_model_util.hpp"
// Catch last: torch (glog) defines CHECK too, Catch must win.
#include <catch2/catch.hpp>

using namespace trafl::training;
using trafl::model::LLaDAModel;
using Catch::Detail::Approx;

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
  std::vector<RolloutGroup> groups = {group_of("toy-1", {256, 72, 105, 58},
                                               {{52, 50, 257, 257}, {49, 257, 257, 257}, {52, 50, 48, 257}},
                                               {1.0, 0.0, 1.0})};
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
  const torch::Tensor y = torch::tensor(std::vector<std::int64_t>{52, 50, 257, 257, 49, 257, 257, 257, 52, 50, 48, 257},
                                        torch::kLong).view({3, 4});
  for (int it = 0; it < mu; ++it) {
    INFO("iteration " << it);
    torch::NoGradGuard no_grad;
    // θ_old and the reference were scored on this iteration's masks (same no-grad path: bit-equal).
    const torch::Tensor o = trafl::sampling::sequence_surrogate(policy, groups[0].prompt, y, masks[it],
                                                               trafl::sampling::SurrogateWeight::Elbo);
    const torch::Tensor r = trafl::sampling::sequence_surrogate(reference, groups[0].prompt, y, masks[it],
                                                               trafl::sampling::SurrogateWeight::Elbo);
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
