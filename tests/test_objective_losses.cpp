// [objective][losses]: each pure loss's value and gradient on a small case computed by hand
// (the arithmetic is written out next to each expectation).
#include <torch/torch.h>

#include <cmath>

#include "training/losses.hpp"
// Catch last: torch (glog) defines CHECK too, Catch must win.
#include <catch2/catch.hpp>

using namespace trafl::training;
using Catch::Detail::Approx;

namespace {

torch::Tensor vec(std::initializer_list<double> v) { return torch::tensor(std::vector<double>(v), torch::kFloat64); }
torch::Tensor leaf(std::initializer_list<double> v) { return vec(v).requires_grad_(true); }
double elem(const torch::Tensor& t, std::int64_t i) { return t.reshape({-1})[i].item<double>(); }

}  // namespace

TEST_CASE("advantages: centred, group-normalised, leave-one-out", "[objective][losses]") {
  const torch::Tensor r = vec({1, 0, 0, 1});
  CHECK(elem(centered_rewards(r), 0) == Approx(0.5));
  CHECK(elem(centered_rewards(r), 1) == Approx(-0.5));
  // unbiased std of {1,0,0,1} = sqrt(4·0.25/3) = 0.577350; 0.5 / (0.577350 + 1e-4) = 0.865876
  CHECK(elem(group_normalized_advantages(r), 0) == Approx(0.865876).epsilon(1e-5));
  CHECK(elem(group_normalized_advantages(r), 1) == Approx(-0.865876).epsilon(1e-5));
  // leave-one-out: 1 − (0+0+1)/3 = 2/3 ; 0 − (1+0+1)/3 = −2/3
  CHECK(elem(leave_one_out_advantages(r), 0) == Approx(2.0 / 3));
  CHECK(elem(leave_one_out_advantages(r), 1) == Approx(-2.0 / 3));
  // all equal rewards: no signal
  CHECK(group_normalized_advantages(vec({1, 1, 1})).abs().max().item<double>() == 0.0);
  CHECK(leave_one_out_advantages(vec({0.5})).item<double>() == 0.0);
}

TEST_CASE("TraFL residual and loss: value and gradient", "[objective][losses]") {
  torch::Tensor s_pol = leaf({-1.0, -2.0}), s_ref = leaf({-1.5, -1.0}), log_z = leaf({0.2});
  const torch::Tensor r = vec({1, 0});
  SECTION("centred rewards") {
    // r̄ = 0.5, β̃ = 0.5: δ0 = −1 + 1.5 − 0.25 + 0.2 = 0.45 ; δ1 = −2 + 1 + 0.25 + 0.2 = −0.55
    const torch::Tensor delta = trafl_residuals(s_pol, s_ref, r, log_z, 0.5, true);
    CHECK(elem(delta, 0) == Approx(0.45));
    CHECK(elem(delta, 1) == Approx(-0.55));
    const torch::Tensor loss = trafl_loss(delta);  // (0.2025 + 0.3025) / 2
    CHECK(loss.item<double>() == Approx(0.2525));
    loss.backward();
    // ∂/∂s_pol,i = 2δ_i/G = δ_i ; ∂/∂log Z = Σ δ_i = −0.1 ; the reference gets nothing
    CHECK(elem(s_pol.grad(), 0) == Approx(0.45));
    CHECK(elem(s_pol.grad(), 1) == Approx(-0.55));
    CHECK(elem(log_z.grad(), 0) == Approx(-0.1));
    CHECK_FALSE(s_ref.grad().defined());
  }
  SECTION("raw rewards, importance weights") {
    // δ0 = −1 + 1.5 − 0.5 + 0.2 = 0.2 ; δ1 = −2 + 1 − 0 + 0.2 = −0.8
    const torch::Tensor delta = trafl_residuals(s_pol, s_ref, r, log_z, 0.5, false);
    CHECK(elem(delta, 0) == Approx(0.2));
    CHECK(elem(delta, 1) == Approx(-0.8));
    // weights [2, 1]: (2·0.04 + 0.64) / 2 = 0.36
    const torch::Tensor loss = trafl_loss(delta, vec({2, 1}));
    CHECK(loss.item<double>() == Approx(0.36));
    loss.backward();
    // ∂/∂s_pol,0 = w0·2δ0/G = 0.4 ; ∂/∂s_pol,1 = −0.8 ; ∂/∂log Z = 0.4 − 0.8
    CHECK(elem(s_pol.grad(), 0) == Approx(0.4));
    CHECK(elem(s_pol.grad(), 1) == Approx(-0.8));
    CHECK(elem(log_z.grad(), 0) == Approx(-0.4));
  }
}

TEST_CASE("ESPO loss: per-token ratio, clip, k2 KL", "[objective][losses]") {
  torch::Tensor elbo = leaf({-4.0, -8.0});
  const torch::Tensor old = vec({-4.4, -8.0}), ref = vec({-5.0, -7.0}), adv = vec({1.0, -1.0});
  SECTION("inside the clip range") {
    // ρ0 = exp(0.4/4) = 1.105171, ρ1 = 1 ; policy = −(1.105171·1 + 1·(−1))/2 = −0.0525855
    // kl = (½·1 + ½·1)/(G·L = 8) = 0.125 ; loss = policy + 0.1·kl
    const EspoTerms t = espo_loss(elbo, old, ref, adv, 4.0, 0.2, 0.1);
    CHECK(t.policy_loss.item<double>() == Approx(-0.0525855).epsilon(1e-5));
    CHECK(t.kl.item<double>() == Approx(0.125));
    CHECK(t.loss.item<double>() == Approx(-0.0400855).epsilon(1e-5));
    CHECK(t.clip_fraction == 0.0);
    t.loss.backward();
    // ∂/∂elbo0 = −½·A0·ρ0/L + β(elbo0 − ref0)/(G L) = −0.1381464 + 0.0125
    // ∂/∂elbo1 = −½·(−1)·1/4 + 0.1·(−1)/8 = 0.125 − 0.0125
    CHECK(elem(elbo.grad(), 0) == Approx(-0.1256464).epsilon(1e-5));
    CHECK(elem(elbo.grad(), 1) == Approx(0.1125));
  }
  SECTION("clipped") {
    // ε = 0.05: ρ0 = 1.105 > 1.05 with A0 > 0 -> min picks the constant 1.05: no policy gradient on 0
    const EspoTerms t = espo_loss(elbo, old, ref, adv, 4.0, 0.05, 0.1);
    CHECK(t.policy_loss.item<double>() == Approx(-(1.05 - 1.0) / 2));
    CHECK(t.clip_fraction == Approx(0.5));
    t.loss.backward();
    CHECK(elem(elbo.grad(), 0) == Approx(0.0125));
  }
}

TEST_CASE("GRPO token loss: clip, k3 KL, the two normalisations", "[objective][losses]") {
  SECTION("diffu-GRPO: masked-token mean with k3") {
    torch::Tensor logp = torch::log(vec({0.5, 0.25})).view({1, 2}).detach().requires_grad_(true);
    const torch::Tensor old = torch::log(vec({0.4, 0.25})).view({1, 2});
    const torch::Tensor ref = torch::log(vec({0.5, 0.5})).view({1, 2});
    const torch::Tensor mask = torch::ones({1, 2}, torch::kFloat64);
    // ρ = [1.25, 1], A = 2, ε = 0.2: token0 min(2.5, 1.2·2) = 2.4 (clipped), token1 2
    // k3: d = ref − logp = [0, ln 2]: [0, 2 − ln2 − 1 = 0.3068528]
    // loss = (−2.4 + (−2 + 0.1·0.3068528)) / 2 = −2.1846574
    const GrpoTerms t = grpo_loss(logp, old, ref, vec({2.0}), mask, 0.2, 0.1, TokenNormalization::kMaskedTokens);
    CHECK(t.loss.item<double>() == Approx(-2.1846574).epsilon(1e-6));
    CHECK(t.kl.item<double>() == Approx(0.3068528 / 2).epsilon(1e-6));
    CHECK(t.clip_fraction == Approx(0.5));
    t.loss.backward();
    // token0: clipped, and ∂k3/∂logp = 1 − exp(d) = 0 ; token1: (−A·ρ + β(1 − 2)) / 2 = −1.05
    CHECK(elem(logp.grad(), 0) == Approx(0.0).margin(1e-12));
    CHECK(elem(logp.grad(), 1) == Approx(-1.05));
  }
  SECTION("JustGRPO: 1/(L · samples with nonzero advantage), no KL") {
    torch::Tensor logp = torch::log(vec({0.5, 0.25, 0.3, 0.3})).view({2, 2}).detach().requires_grad_(true);
    const torch::Tensor old = torch::log(vec({0.4, 0.25, 0.3, 0.3})).view({2, 2});
    const torch::Tensor mask = torch::ones({2, 2}, torch::kFloat64);
    // row0 as above without KL: −2.4 − 2 = −4.4 ; row1 has A = 0 ; divide by L·1 = 2
    const GrpoTerms t = grpo_loss(logp, old, torch::Tensor(), vec({2.0, 0.0}), mask, 0.2, 0.0,
                                  TokenNormalization::kGenLengthNonzeroAdv);
    CHECK(t.loss.item<double>() == Approx(-2.2));
    CHECK(t.kl.item<double>() == 0.0);
    t.loss.backward();
    CHECK(elem(logp.grad(), 0) == Approx(0.0).margin(1e-12));
    CHECK(elem(logp.grad(), 1) == Approx(-1.0));
    CHECK(elem(logp.grad(), 2) == 0.0);
    // every advantage zero: a zero loss, still differentiable
    const GrpoTerms z = grpo_loss(logp, old, torch::Tensor(), vec({0.0, 0.0}), mask, 0.2, 0.0,
                                  TokenNormalization::kGenLengthNonzeroAdv);
    CHECK(z.loss.item<double>() == 0.0);
    CHECK(z.loss.requires_grad());
  }
}

TEST_CASE("wd1 loss: softmax(A) and softmax(−A) weighted sequence log-likelihoods", "[objective][losses]") {
  torch::Tensor logp = vec({-1, -2, -3, -1}).view({2, 2}).detach().requires_grad_(true);
  const torch::Tensor adv = vec({1, -1});
  // softmax([1, −1]) = [0.8807971, 0.1192029]
  SECTION("all tokens") {
    // ℓ = [−3, −4]: −(0.8807971·−3 + 0.1192029·−4) + (0.1192029·−3 + 0.8807971·−4) = −0.7615942
    const torch::Tensor loss = wd1_loss(logp, torch::ones({2, 2}, torch::kFloat64), adv);
    CHECK(loss.item<double>() == Approx(-0.7615942).epsilon(1e-6));
    loss.backward();
    CHECK(elem(logp.grad(), 0) == Approx(-0.7615942).epsilon(1e-6));  // −w+0 + w−0
    CHECK(elem(logp.grad(), 3) == Approx(0.7615942).epsilon(1e-6));   // −w+1 + w−1
  }
  SECTION("masked token gets no gradient") {
    const torch::Tensor loss = wd1_loss(logp, vec({1, 1, 1, 0}).view({2, 2}), adv);
    // ℓ = [−3, −3]: the weights cancel exactly
    CHECK(loss.item<double>() == Approx(0.0).margin(1e-12));
    loss.backward();
    CHECK(elem(logp.grad(), 3) == 0.0);
    CHECK(elem(logp.grad(), 2) == Approx(0.7615942).epsilon(1e-6));
  }
}
