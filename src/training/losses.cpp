// Pure tensor losses (see losses.hpp).
#include "training/losses.hpp"

#include <torch/torch.h>  // a LibTorch unit (CMakeLists.txt selects them by this line)

#include <fmt/format.h>

#include "core/error.hpp"

namespace trafl::training {

namespace {

void check_vector(const torch::Tensor& t, const char* what) {
  TORCH_CHECK(t.defined() && t.dim() == 1, what, " must be a vector [G]");
}

// The fraction of entries where the clip is active (the clipped term is the one min() picks and
// differs from the unclipped one), over the counted entries.
double clip_fraction(const torch::Tensor& ratio, const torch::Tensor& adv, double eps, const torch::Tensor& mask) {
  torch::NoGradGuard no_grad;
  const torch::Tensor r = ratio.detach();
  const torch::Tensor clipped = ((r < 1.0 - eps) & (adv < 0)) | ((r > 1.0 + eps) & (adv > 0));
  const double n = mask.sum().item<double>();
  return n > 0 ? (clipped.to(torch::kFloat64) * mask.to(torch::kFloat64)).sum().item<double>() / n : 0.0;
}

}  // namespace

torch::Tensor centered_rewards(const torch::Tensor& rewards) {
  check_vector(rewards, "rewards");
  const torch::Tensor r = rewards.detach();
  return r - r.mean();
}

torch::Tensor group_normalized_advantages(const torch::Tensor& rewards, double eps) {
  check_vector(rewards, "rewards");
  const torch::Tensor r = rewards.detach();
  if (r.size(0) < 2) return torch::zeros_like(r);
  return (r - r.mean()) / (r.std(/*unbiased=*/true) + eps);
}

torch::Tensor leave_one_out_advantages(const torch::Tensor& rewards) {
  check_vector(rewards, "rewards");
  const torch::Tensor r = rewards.detach();
  const std::int64_t G = r.size(0);
  if (G < 2) return torch::zeros_like(r);
  // mean_{j≠i} r_j = (Σr − r_i) / (G − 1)
  return r - (r.sum() - r) / static_cast<double>(G - 1);
}

torch::Tensor trafl_residuals(const torch::Tensor& s_policy, const torch::Tensor& s_ref, const torch::Tensor& rewards,
                              const torch::Tensor& log_z, double beta_eff, bool center) {
  check_vector(s_policy, "s_policy");
  TORCH_CHECK(s_ref.sizes() == s_policy.sizes() && rewards.sizes() == s_policy.sizes(),
              "trafl_residuals: s_policy, s_ref and rewards must all be [G]");
  TORCH_CHECK(log_z.numel() == 1, "trafl_residuals: log_z must be a scalar");
  const torch::Tensor r = center ? centered_rewards(rewards) : rewards.detach();
  return s_policy - s_ref.detach() - beta_eff * r.to(s_policy.scalar_type()) + log_z.reshape({});
}

torch::Tensor trafl_loss(const torch::Tensor& residuals, const torch::Tensor& weights) {
  check_vector(residuals, "residuals");
  const torch::Tensor sq = residuals.pow(2);
  if (!weights.defined()) return sq.mean();
  TORCH_CHECK(weights.sizes() == residuals.sizes(), "trafl_loss: weights must be [G]");
  return (weights.detach().to(sq.scalar_type()) * sq).mean();
}

EspoTerms espo_loss(const torch::Tensor& elbo_policy, const torch::Tensor& elbo_old, const torch::Tensor& elbo_ref,
                    const torch::Tensor& advantages, double length, double epsilon, double beta) {
  check_vector(elbo_policy, "elbo_policy");
  TORCH_CHECK(elbo_old.sizes() == elbo_policy.sizes() && elbo_ref.sizes() == elbo_policy.sizes() &&
                  advantages.sizes() == elbo_policy.sizes(),
              "espo_loss: all inputs must be [G]");
  TORCH_CHECK(length > 0, "espo_loss: length must be positive");
  const auto dt = elbo_policy.scalar_type();
  const torch::Tensor A = advantages.detach().to(dt);
  const torch::Tensor ratio = torch::exp((elbo_policy - elbo_old.detach()) / length);  // [G]
  const torch::Tensor unclipped = ratio * A, clipped = torch::clamp(ratio, 1.0 - epsilon, 1.0 + epsilon) * A;
  EspoTerms t;
  t.policy_loss = -torch::min(unclipped, clipped).mean();
  const torch::Tensor d = elbo_policy - elbo_ref.detach();
  t.kl = (0.5 * d.pow(2)).sum() / (static_cast<double>(elbo_policy.size(0)) * length);
  t.loss = beta > 0 ? t.policy_loss + beta * t.kl : t.policy_loss;
  t.clip_fraction = clip_fraction(ratio, A, epsilon, torch::ones_like(A));
  return t;
}

GrpoTerms grpo_loss(const torch::Tensor& logp, const torch::Tensor& old_logp, const torch::Tensor& ref_logp,
                    const torch::Tensor& advantages, const torch::Tensor& token_mask, double epsilon, double beta,
                    TokenNormalization normalization, double signal_samples) {
  TORCH_CHECK(logp.dim() == 2, "grpo_loss: logp must be [G, T]");
  TORCH_CHECK(old_logp.sizes() == logp.sizes() && token_mask.sizes() == logp.sizes(),
              "grpo_loss: old_logp and token_mask must be [G, T]");
  TORCH_CHECK(advantages.dim() == 1 && advantages.size(0) == logp.size(0), "grpo_loss: advantages must be [G]");
  const auto dt = logp.scalar_type();
  const torch::Tensor m = token_mask.detach().to(dt);
  const torch::Tensor A = advantages.detach().to(dt).unsqueeze(1);  // [G, 1]
  const torch::Tensor ratio = torch::exp(logp - old_logp.detach());
  torch::Tensor per_token = -torch::min(ratio * A, torch::clamp(ratio, 1.0 - epsilon, 1.0 + epsilon) * A);  // [G, T]
  GrpoTerms t;
  const torch::Tensor n_tokens = m.sum().clamp_min(1.0);
  if (ref_logp.defined()) {
    TORCH_CHECK(ref_logp.sizes() == logp.sizes(), "grpo_loss: ref_logp must be [G, T]");
    const torch::Tensor d = ref_logp.detach() - logp;
    const torch::Tensor k3 = torch::exp(d) - d - 1.0;
    t.kl = (k3 * m).sum() / n_tokens;
    if (beta > 0) per_token = per_token + beta * k3;
  } else {
    t.kl = torch::zeros({}, logp.options());
  }
  const torch::Tensor total = (per_token * m).sum();
  if (normalization == TokenNormalization::kMaskedTokens) {
    t.loss = total / n_tokens;
  } else {
    const double nonzero = signal_samples >= 0 ? signal_samples : (advantages.detach() != 0).sum().item<double>();
    // No sample with a learning signal: a zero loss that still belongs to the graph.
    t.loss = nonzero > 0 ? total / (static_cast<double>(logp.size(1)) * nonzero) : total * 0.0;
  }
  t.clip_fraction = clip_fraction(ratio, A.expand_as(ratio), epsilon, m);
  return t;
}

std::vector<double> signal_divisors(const std::vector<std::int64_t>& nonzero, std::int64_t rounds) {
  const auto B = static_cast<std::int64_t>(nonzero.size());
  if (rounds < 1 || B % rounds != 0)
    throw UsageError(fmt::format("justgrpo: rounds = {} must divide the batch's {} prompts", rounds, B));
  const std::int64_t per_round = B / rounds;
  std::vector<double> out(nonzero.size(), 0.0);
  for (std::int64_t r = 0; r < rounds; ++r) {
    std::int64_t n = 0;
    for (std::int64_t g = r * per_round; g < (r + 1) * per_round; ++g) n += nonzero[static_cast<std::size_t>(g)];
    for (std::int64_t g = r * per_round; g < (r + 1) * per_round; ++g)
      out[static_cast<std::size_t>(g)] = static_cast<double>(n) / static_cast<double>(B);
  }
  return out;
}

torch::Tensor wd1_loss(const torch::Tensor& logp, const torch::Tensor& token_mask, const torch::Tensor& advantages) {
  TORCH_CHECK(logp.dim() == 2 && token_mask.sizes() == logp.sizes(), "wd1_loss: logp and token_mask must be [G, T]");
  TORCH_CHECK(advantages.dim() == 1 && advantages.size(0) == logp.size(0), "wd1_loss: advantages must be [G]");
  const auto dt = logp.scalar_type();
  const torch::Tensor seq = (logp * token_mask.detach().to(dt)).sum(1);  // ℓ_i [G]
  const torch::Tensor A = advantages.detach().to(dt);
  const torch::Tensor w_pos = torch::softmax(A, 0), w_neg = torch::softmax(-A, 0);
  return -(w_pos * seq).sum() + (w_neg * seq).sum();
}

}  // namespace trafl::training
