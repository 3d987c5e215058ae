// Monte Carlo ELBO (see elbo.hpp).
#include "sampling/elbo.hpp"

#include <torch/torch.h>  // a LibTorch unit (CMakeLists.txt selects them by this line)

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "core/error.hpp"

namespace trafl::sampling {

torch::Tensor masked_loglik_terms(const model::LLaDAModel& model, const std::vector<std::int64_t>& prompt,
                                  const std::vector<std::int64_t>& answer, const torch::Tensor& masks_in,
                                  double cfg_scale) {
  torch::NoGradGuard no_grad;
  const std::int64_t Lp = static_cast<std::int64_t>(prompt.size()), T = static_cast<std::int64_t>(answer.size());
  if (T == 0) throw UsageError("ELBO: the answer is empty");
  TORCH_CHECK(masks_in.dim() == 2 && masks_in.size(1) == T, "masked_loglik_terms: masks must be [N, T]");
  const torch::Tensor masks = masks_in.to(torch::kCPU).to(torch::kBool);
  const std::int64_t N = masks.size(0);
  const torch::Tensor counts = masks.sum(1).to(torch::kFloat64);  // m_i
  if ((counts == 0).any().item<bool>()) throw UsageError("ELBO: a mask row masks nothing");
  const std::int64_t mask_id = model.config().mask_token_id;

  std::vector<std::int64_t> seq(prompt);
  seq.insert(seq.end(), answer.begin(), answer.end());
  const torch::Tensor target = torch::tensor(answer, torch::kLong).view({1, T}).expand({N, T});
  torch::Tensor x = torch::tensor(seq, torch::kLong).view({1, Lp + T}).repeat({N, 1});
  x.narrow(1, Lp, T).masked_fill_(masks, mask_id);

  const torch::Device dev = model.device();
  torch::Tensor logits;
  if (cfg_scale > 0) {
    torch::Tensor un = x.clone();
    un.narrow(1, 0, Lp).fill_(mask_id);
    torch::Tensor both = model.forward(torch::cat({x, un}).to(dev), {}, Lp, T);
    torch::Tensor c = both.narrow(0, 0, N), u = both.narrow(0, N, N);
    logits = u + (cfg_scale + 1.0) * (c - u);
  } else {
    logits = model.forward(x.to(dev), {}, Lp, T);  // [N, T, V]
  }
  torch::Tensor logp = torch::log_softmax(logits.to(torch::kFloat64), -1).to(torch::kCPU);
  torch::Tensor tok = logp.gather(-1, target.unsqueeze(-1)).squeeze(-1);  // [N, T]
  torch::Tensor summed = torch::where(masks, tok, torch::zeros_like(tok)).sum(1);
  return summed * (static_cast<double>(T) / counts);
}

torch::Tensor stratified_masks(std::int64_t T, std::int64_t b, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const std::int64_t k = 1 + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(T));
  torch::Tensor masks = torch::zeros({b, T}, torch::kBool);
  auto a = masks.accessor<bool, 2>();
  std::vector<std::int64_t> order(static_cast<std::size_t>(T));
  for (std::int64_t i = 0; i < b; ++i) {
    // torch.round(linspace(k, k + (b-1)T/b, b)): round half to even, like std::nearbyint.
    const double v = static_cast<double>(k) + static_cast<double>(i) * static_cast<double>(T) / static_cast<double>(b);
    const std::int64_t m = ((static_cast<std::int64_t>(std::nearbyint(v)) - 1) % T) + 1;
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    for (std::int64_t j = 0; j < m; ++j) a[i][order[static_cast<std::size_t>(j)]] = true;
  }
  return masks;
}

ElboEstimate estimate_elbo(const model::LLaDAModel& model, const std::vector<std::int64_t>& prompt,
                           const std::vector<std::int64_t>& answer, const ElboOptions& o) {
  if (o.batch_size <= 0 || o.mc <= 0 || o.mc % o.batch_size != 0)
    throw UsageError(fmt::format("ELBO: mc ({}) must be a positive multiple of batch_size ({})", o.mc, o.batch_size));
  const std::int64_t T = static_cast<std::int64_t>(answer.size());
  ElboEstimate e;
  const std::int64_t batches = o.mc / o.batch_size;
  for (std::int64_t bi = 0; bi < batches; ++bi) {
    const torch::Tensor masks =
        stratified_masks(T, o.batch_size, o.seed * 0x9e3779b97f4a7c15ULL + static_cast<std::uint64_t>(bi));
    e.batch_means.push_back(masked_loglik_terms(model, prompt, answer, masks, o.cfg_scale).mean().item<double>());
  }
  e.rows = o.mc;
  e.mean = std::accumulate(e.batch_means.begin(), e.batch_means.end(), 0.0) / static_cast<double>(batches);
  if (batches > 1) {
    double ss = 0;
    for (double m : e.batch_means) ss += (m - e.mean) * (m - e.mean);
    e.std_error = std::sqrt(ss / static_cast<double>(batches - 1) / static_cast<double>(batches));
  }
  return e;
}

double exact_elbo(const model::LLaDAModel& model, const std::vector<std::int64_t>& prompt,
                  const std::vector<std::int64_t>& answer) {
  const std::int64_t T = static_cast<std::int64_t>(answer.size());
  if (T == 0 || T > 16) throw UsageError("exact_elbo: answer length must be 1..16");
  const std::int64_t n = (std::int64_t{1} << T) - 1;
  torch::Tensor masks = torch::zeros({n, T}, torch::kBool);
  auto a = masks.accessor<bool, 2>();
  for (std::int64_t s = 1; s <= n; ++s)
    for (std::int64_t j = 0; j < T; ++j) a[s - 1][j] = ((s >> j) & 1) != 0;
  const torch::Tensor terms = masked_loglik_terms(model, prompt, answer, masks);  // (T/m) Σ log p
  const torch::Tensor m = masks.sum(1);
  // E_m uniform over 1..T of the mean over the C(T, m) subsets of size m.
  double total = 0;
  for (std::int64_t size = 1; size <= T; ++size) {
    const torch::Tensor sel = m == size;
    total += terms.masked_select(sel).mean().item<double>();
  }
  return total / static_cast<double>(T);
}

// ---- differentiable surrogate ----

SurrogateWeight parse_surrogate_weight(const std::string& name) {
  if (name == "per_token") return SurrogateWeight::kPerToken;
  if (name == "elbo") return SurrogateWeight::kElbo;
  throw UsageError(fmt::format("surrogate weighting '{}' is not known (expected per_token or elbo)", name));
}

std::string surrogate_weight_name(SurrogateWeight weight) {
  return weight == SurrogateWeight::kPerToken ? "per_token" : "elbo";
}

namespace {

void check_mask_shape(std::int64_t L, std::int64_t G, std::int64_t K) {
  if (L < 1 || G < 1 || K < 1) throw UsageError(fmt::format("masks: L ({}), G ({}) and K ({}) must be >= 1", L, G, K));
}

}  // namespace

torch::Tensor coupled_masks(std::int64_t L, std::int64_t G, std::int64_t K, std::uint64_t seed) {
  check_mask_shape(L, G, K);
  if (K % 2 != 0) throw UsageError(fmt::format("coupled masks come in (mask, complement) pairs: K = {} is odd", K));
  const std::int64_t pairs = K / 2;
  std::mt19937_64 rng(seed);
  torch::Tensor masks = torch::zeros({K, G, L}, torch::kBool);
  auto a = masks.accessor<bool, 3>();
  std::vector<std::int64_t> order(static_cast<std::size_t>(L));
  for (std::int64_t g = 0; g < G; ++g) {
    const std::int64_t k = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(L));  // 0-based offset
    for (std::int64_t p = 0; p < pairs; ++p) {
      const std::int64_t l = (k + (p * L) / pairs) % L + 1;  // stratified over the pairs, marginally U{1..L}
      std::iota(order.begin(), order.end(), 0);
      std::shuffle(order.begin(), order.end(), rng);
      for (std::int64_t j = 0; j < L; ++j) {
        const bool in_m = j < l;
        const auto pos = order[static_cast<std::size_t>(j)];
        a[2 * p][g][pos] = in_m;
        a[2 * p + 1][g][pos] = l == L ? true : !in_m;  // complement, or M again when M is everything
      }
    }
  }
  return masks;
}

torch::Tensor independent_masks(std::int64_t L, std::int64_t G, std::int64_t K, std::uint64_t seed) {
  check_mask_shape(L, G, K);
  std::mt19937_64 rng(seed);
  torch::Tensor masks = torch::zeros({K, G, L}, torch::kBool);
  auto a = masks.accessor<bool, 3>();
  std::vector<std::int64_t> order(static_cast<std::size_t>(L));
  for (std::int64_t g = 0; g < G; ++g)
    for (std::int64_t r = 0; r < K; ++r) {
      const std::int64_t l = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(L)) + 1;
      std::iota(order.begin(), order.end(), 0);
      std::shuffle(order.begin(), order.end(), rng);
      for (std::int64_t j = 0; j < l; ++j) a[r][g][order[static_cast<std::size_t>(j)]] = true;
    }
  return masks;
}

torch::Tensor completion_token_logp(const model::LLaDAModel& model, const std::vector<std::int64_t>& prompt,
                                    const torch::Tensor& completions, const torch::Tensor& masks,
                                    const torch::Tensor& prompt_masks) {
  TORCH_CHECK(completions.dim() == 2, "completion_token_logp: completions must be [G, L]");
  const torch::Device dev = model.device();
  const std::int64_t G = completions.size(0), L = completions.size(1), P = static_cast<std::int64_t>(prompt.size());
  TORCH_CHECK(masks.sizes() == completions.sizes(), "completion_token_logp: masks must be [G, L]");
  const std::int64_t mask_id = model.config().mask_token_id;
  const torch::Tensor y = completions.to(dev, torch::kLong);
  torch::Tensor x_prompt = torch::tensor(prompt, torch::kLong).to(dev).view({1, P}).expand({G, P});
  if (prompt_masks.defined()) {
    TORCH_CHECK(prompt_masks.sizes() == torch::IntArrayRef({G, P}),
                "completion_token_logp: prompt_masks must be [G, P]");
    x_prompt = x_prompt.masked_fill(prompt_masks.to(dev, torch::kBool), mask_id);
  }
  const torch::Tensor x = torch::cat({x_prompt, y.masked_fill(masks.to(dev, torch::kBool), mask_id)}, 1);  // [G, P+L]
  const torch::Tensor logits = model.forward(x, {}, P, L);  // [G, L, V] (forward applies Dream's logit shift)
  return torch::log_softmax(logits.to(torch::kFloat32), -1).gather(-1, y.unsqueeze(-1)).squeeze(-1);  // [G, L]
}

torch::Tensor sequence_surrogate(const model::LLaDAModel& model, const std::vector<std::int64_t>& prompt,
                                 const torch::Tensor& completions, const torch::Tensor& masks_in,
                                 SurrogateWeight weight) {
  TORCH_CHECK(masks_in.dim() == 3 && masks_in.size(1) == completions.size(0) && masks_in.size(2) == completions.size(1),
              "sequence_surrogate: masks must be [K, G, L] for completions [G, L]");
  const torch::Device dev = model.device();
  const torch::Tensor masks = masks_in.to(dev, torch::kBool);
  const std::int64_t K = masks.size(0), L = completions.size(1);
  const torch::Tensor counts = masks.sum(2).to(torch::kFloat32);  // [K, G]
  if ((counts == 0).any().item<bool>()) throw UsageError("sequence surrogate: a mask row masks nothing");
  const torch::Tensor w = weight == SurrogateWeight::kPerToken ? 1.0 / counts : static_cast<double>(L) / counts;
  torch::Tensor total;
  for (std::int64_t k = 0; k < K; ++k) {
    const torch::Tensor tok = completion_token_logp(model, prompt, completions, masks[k]);  // [G, L]
    const torch::Tensor s = (tok * masks[k].to(torch::kFloat32)).sum(1) * w[k];             // [G]
    total = total.defined() ? total + s : s;
  }
  return total / static_cast<double>(K);
}

}  // namespace trafl::sampling
