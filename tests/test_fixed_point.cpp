// [fixed_point]: the paper's claim in miniature, on a problem whose sequence probabilities are
// exactly enumerable. Sequences y ∈ {0,1,2}^3 (27 of them); the policy is a table of 27 logits;
// p_ref is a fixed random distribution; r(y) = 1 for 6 "correct" sequences, else 0.
//
//  * TraFL (losses.hpp's trafl_residuals/trafl_loss with exact log-probs in place of the surrogate
//    and a learned scalar log Z), trained on on-policy samples, must reach
//    p*(y) ∝ p_ref(y)·exp(β r(y)): KL(p*‖p_θ) < 1e-3 nats (measured ~1e-5). With group-centred rewards the
//    fixed point is the tilt β(1 − 1/G) instead (r̄ contains the sample's own reward): checked too.
//  * A GRPO-style objective (grpo_loss, JustGRPO normalisation, no KL) with the same sampling
//    concentrates its mass: its entropy falls well below p*'s.
// The numbers (KL, entropies, mass on correct) are printed for the closing note.
#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <cstdio>

#include "training/losses.hpp"
// Catch last: torch (glog) defines CHECK too, Catch must win.
#include <catch2/catch.hpp>

using namespace trafl::training;

namespace {

constexpr std::int64_t kSeqs = 27;  // 3^3
constexpr std::int64_t kGroup = 8;  // G
constexpr std::int64_t kGroupsPerStep = 4;

struct Toy {
  torch::Tensor log_ref;  // [27] log p_ref
  torch::Tensor reward;   // [27] in {0, 1}
};

Toy make_toy() {
  at::Generator gen = at::detail::createCPUGenerator(7);
  Toy t;
  t.log_ref = torch::log_softmax(torch::randn({kSeqs}, gen, torch::kFloat64), 0);
  t.reward = torch::zeros({kSeqs}, torch::kFloat64);
  for (std::int64_t y : {2, 5, 11, 13, 19, 24}) t.reward[y] = 1.0;  // several correct y
  return t;
}

// p ∝ p_ref·exp(tilt·r), as log-probabilities.
torch::Tensor tilted(const Toy& t, double tilt) { return torch::log_softmax(t.log_ref + tilt * t.reward, 0); }
double kl(const torch::Tensor& log_p, const torch::Tensor& log_q) {
  return (log_p.exp() * (log_p - log_q)).sum().item<double>();
}
double entropy(const torch::Tensor& log_p) { return -(log_p.exp() * log_p).sum().item<double>(); }
double mass_on_correct(const Toy& t, const torch::Tensor& log_p) {
  return (log_p.exp() * t.reward).sum().item<double>();
}

enum class Method { kTraflRaw, kTraflCentered, kGrpo };

// Trains the 27 logits (starting at p_ref) with on-policy groups drawn from the current policy.
// Plain SGD, learning rate decayed linearly to 10% so the end point is not dominated by noise.
// (SGD rather than Adam: Adam's per-coordinate scaling would itself flatten the policy gradient's
// rich-get-richer dynamics, and the point is to compare the objectives, not the optimisers.)
torch::Tensor train(const Toy& toy, Method method, double beta, int steps, double lr, std::uint64_t seed) {
  at::Generator gen = at::detail::createCPUGenerator(seed);
  torch::Tensor logits = toy.log_ref.clone().requires_grad_(true);
  torch::Tensor log_z = torch::zeros({1}, torch::kFloat64).requires_grad_(true);
  torch::optim::SGD opt({logits, log_z}, torch::optim::SGDOptions(lr));
  for (int step = 0; step < steps; ++step) {
    for (auto& g : opt.param_groups())
      static_cast<torch::optim::SGDOptions&>(g.options()).lr(lr * (1.0 - 0.9 * step / steps));
    opt.zero_grad();
    const torch::Tensor log_p = torch::log_softmax(logits, 0);  // [27], exact sequence log-probs
    torch::Tensor loss = torch::zeros({}, torch::kFloat64);
    for (std::int64_t b = 0; b < kGroupsPerStep; ++b) {
      // Sampling carries no gradient: the completions are plain indices.
      const torch::Tensor y = torch::multinomial(log_p.detach().exp(), kGroup, /*replacement=*/true, gen);  // [G]
      const torch::Tensor lp = log_p.index_select(0, y), r = toy.reward.index_select(0, y);
      if (method == Method::kGrpo) {
        const torch::Tensor lp2 = lp.view({kGroup, 1});
        loss = loss + grpo_loss(lp2, lp2.detach(), torch::Tensor(), group_normalized_advantages(r),
                                torch::ones({kGroup, 1}, torch::kFloat64), 0.2, 0.0,
                                TokenNormalization::kGenLengthNonzeroAdv)
                          .loss;
      } else {
        const torch::Tensor delta =
            trafl_residuals(lp, toy.log_ref.index_select(0, y), r, log_z, beta, method == Method::kTraflCentered);
        loss = loss + trafl_loss(delta);
      }
    }
    (loss / static_cast<double>(kGroupsPerStep)).backward();
    opt.step();
  }
  return torch::log_softmax(logits.detach(), 0);
}

}  // namespace

TEST_CASE("fixed point: TraFL reaches p_ref·exp(βr), GRPO concentrates", "[fixed_point]") {
  at::set_num_threads(1);
  const Toy toy = make_toy();
  const double beta = 2.0;
  const int steps = 2000;
  const torch::Tensor log_star = tilted(toy, beta);
  const torch::Tensor log_star_centered = tilted(toy, beta * (1.0 - 1.0 / kGroup));

  const double lr = 0.5;
  const torch::Tensor trafl_raw = train(toy, Method::kTraflRaw, beta, steps, lr, 1);
  const torch::Tensor trafl_centered = train(toy, Method::kTraflCentered, beta, steps, lr, 2);
  const torch::Tensor grpo = train(toy, Method::kGrpo, beta, steps, lr, 3);

  const double kl_raw = kl(log_star, trafl_raw), kl_centered = kl(log_star_centered, trafl_centered);
  const double kl_ref_to_star = kl(log_star, toy.log_ref), kl_grpo = kl(log_star, grpo);
  const double h_star = entropy(log_star), h_ref = entropy(toy.log_ref);
  const double h_raw = entropy(trafl_raw), h_grpo = entropy(grpo);
  std::printf(
      "[fixed_point] beta=%.1f G=%lld steps=%d | H(p_ref)=%.3f H(p*)=%.3f mass*(correct)=%.3f | "
      "TraFL raw r: KL(p*||p)=%.2e H=%.3f mass=%.3f | TraFL centred: KL(p*_{beta(1-1/G)}||p)=%.2e "
      "KL(p*||p)=%.4f | GRPO: KL(p*||p)=%.3f H=%.3f mass=%.3f | start KL(p*||p_ref)=%.3f\n",
      beta, static_cast<long long>(kGroup), steps, h_ref, h_star, mass_on_correct(toy, log_star), kl_raw, h_raw,
      mass_on_correct(toy, trafl_raw), kl_centered, kl(log_star, trafl_centered), kl_grpo, h_grpo,
      mass_on_correct(toy, grpo), kl_ref_to_star);

  // TraFL: the reward-tilted target, far closer than where training started.
  CHECK(kl_raw < 1e-3);
  CHECK(kl_raw < 0.05 * kl_ref_to_star);
  CHECK(kl_centered < 1e-3);
  // GRPO: nearly all mass on correct answers, but on few of them — entropy well below p*'s.
  CHECK(mass_on_correct(toy, grpo) > 0.95);
  CHECK(h_grpo < 0.5 * h_star);
  CHECK(kl_grpo > 10 * kl_raw);
}
