// Left-to-right rollouts and exact AR-order log-probs (see ar_rollout.hpp).
#include "training/ar_rollout.hpp"

#include <torch/torch.h>  // a LibTorch unit (CMakeLists.txt selects them by this line)

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>

#include <algorithm>

#include "core/error.hpp"

namespace trafl::training {

namespace {

// The LM head matrix [E, D] by its HF name (the embedding when tied), so that the head runs on the
// one hidden state per row that is needed rather than on all positions.
torch::Tensor lm_head_weight(const model::LLaDAModel& model) {
  const bool tied = model.config().tied_embeddings;
  for (const auto& [name, p] : model.named_parameters()) {
    if (!tied && (name == "model.transformer.ff_out.weight" || name == "lm_head.weight")) return p;
    if (tied && (name == "model.transformer.wte.weight" || name == "model.embed_tokens.weight")) return p;
  }
  throw UsageError("ar_token_logp: the model has no recognisable LM head tensor");
}

}  // namespace

std::vector<ArRollout> rollout_left_to_right(const model::LLaDAModel& model,
                                             const std::vector<std::vector<std::int64_t>>& prompts,
                                             const std::vector<sampling::SampleKey>& keys, const ArRolloutOptions& o) {
  torch::NoGradGuard no_grad;
  if (prompts.size() != keys.size()) throw UsageError("rollout_left_to_right: one key per prompt");
  if (o.gen_length < 1) throw UsageError("rollout_left_to_right: gen_length must be >= 1");
  if (o.temperature < 0) throw UsageError("rollout_left_to_right: temperature must be >= 0");
  const model::ModelConfig& c = model.config();
  const std::int64_t mask_id = c.mask_token_id;
  const std::int64_t pad_id = c.pad_token_id ? *c.pad_token_id : (c.eos_token_ids.empty() ? 0 : c.eos_token_ids[0]);
  const std::int64_t R = static_cast<std::int64_t>(prompts.size()), L = o.gen_length;
  std::int64_t P = 0;
  for (const auto& p : prompts) {
    if (p.empty()) throw UsageError("rollout_left_to_right: empty prompt");
    if (std::find(p.begin(), p.end(), mask_id) != p.end())
      throw UsageError("rollout_left_to_right: a prompt contains the mask token");
    P = std::max<std::int64_t>(P, static_cast<std::int64_t>(p.size()));
  }
  // x [R, P + L] = pad… | prompt | MASK × L; attention 0 on pads.
  torch::Tensor x = torch::full({R, P + L}, mask_id, torch::kLong);
  torch::Tensor attention = torch::ones({R, P + L}, torch::kLong);
  for (std::int64_t r = 0; r < R; ++r) {
    const auto& p = prompts[static_cast<std::size_t>(r)];
    const std::int64_t pad = P - static_cast<std::int64_t>(p.size());
    x[r].narrow(0, 0, pad).fill_(pad_id);
    attention[r].narrow(0, 0, pad).fill_(0);
    x[r].narrow(0, pad, static_cast<std::int64_t>(p.size())).copy_(torch::tensor(p, torch::kLong));
  }
  std::vector<at::Generator> gens;
  for (const auto& k : keys) gens.push_back(at::detail::createCPUGenerator(sampling::sample_key(o.seed, k, 2)));
  std::vector<ArRollout> out(static_cast<std::size_t>(R));
  const torch::Device dev = model.device();
  torch::Tensor xd = x.to(dev);
  const torch::Tensor ad = attention.to(dev);
  for (std::int64_t t = 0; t < L; ++t) {
    const torch::Tensor logits = model.forward(xd, ad, P + t, 1).squeeze(1);  // [R, E]
    const torch::Tensor logits64 = logits.to(torch::kCPU, torch::kFloat64);
    const torch::Tensor logp = torch::log_softmax(logits64, -1);  // the T = 1 policy
    torch::Tensor tokens;
    if (o.temperature == 0) {
      tokens = logits64.argmax(-1);
    } else {
      const torch::Tensor probs = torch::softmax(logits64 / o.temperature, -1);
      tokens = torch::empty({R}, torch::kLong);
      for (std::int64_t r = 0; r < R; ++r)
        tokens[r] = torch::multinomial(probs[r], 1, false, gens[static_cast<std::size_t>(r)]).item<std::int64_t>();
    }
    const auto tok = tokens.accessor<std::int64_t, 1>();
    const torch::Tensor chosen = logp.gather(1, tokens.unsqueeze(1)).squeeze(1);
    const auto lp = chosen.accessor<double, 1>();
    for (std::int64_t r = 0; r < R; ++r) {
      out[static_cast<std::size_t>(r)].tokens.push_back(tok[r]);
      out[static_cast<std::size_t>(r)].logp.push_back(lp[r]);
    }
    xd.select(1, P + t).copy_(tokens.to(dev));
  }
  return out;
}

torch::Tensor ar_token_logp(const model::LLaDAModel& model, const std::vector<std::int64_t>& prompt,
                            const torch::Tensor& completions, std::int64_t chunk_rows) {
  TORCH_CHECK(completions.dim() == 2, "ar_token_logp: completions must be [G, L]");
  if (prompt.empty()) throw UsageError("ar_token_logp: empty prompt");
  const torch::Device dev = model.device();
  const std::int64_t G = completions.size(0), L = completions.size(1), P = static_cast<std::int64_t>(prompt.size());
  const std::int64_t mask_id = model.config().mask_token_id;
  const torch::Tensor y = completions.to(dev, torch::kLong);
  // Rows (g, t): prompt | y_g with positions >= t masked. visible[t, j] = j < t.
  const torch::Tensor visible = torch::arange(L, y.options()).view({1, L}) < torch::arange(L, y.options()).view({L, 1});
  const torch::Tensor ys = torch::where(visible.unsqueeze(0), y.unsqueeze(1).expand({G, L, L}),
                                        torch::full({}, mask_id, y.options()));  // [G, L(t), L]
  const torch::Tensor xp = torch::tensor(prompt, torch::kLong).to(dev).view({1, 1, P}).expand({G, L, P});
  const torch::Tensor x = torch::cat({xp, ys}, 2).view({G * L, P + L});
  // Row (g, t) predicts position P + t: from hidden state P + t, or P + t − 1 with Dream's logit
  // shift (hidden_states() is unshifted; forward() shifts inside).
  const torch::Tensor target_pos =
      (torch::arange(L, y.options()) + P - (model.config().logit_shift ? 1 : 0)).repeat({G});  // [G·L]
  const torch::Tensor targets = y.reshape({G * L});
  const torch::Tensor head = lm_head_weight(model);
  const std::int64_t rows = G * L, chunk = chunk_rows > 0 ? chunk_rows : rows;
  std::vector<torch::Tensor> parts;
  for (std::int64_t s = 0; s < rows; s += chunk) {
    const std::int64_t n = std::min(chunk, rows - s);
    const torch::Tensor h = model.hidden_states(x.narrow(0, s, n));  // [n, P+L, D]
    const torch::Tensor pos = target_pos.narrow(0, s, n);
    const torch::Tensor hs = h.gather(1, pos.view({n, 1, 1}).expand({n, 1, h.size(2)})).squeeze(1);  // [n, D]
    const torch::Tensor logits = torch::linear(hs, head).to(torch::kFloat32);                        // [n, E]
    parts.push_back(torch::log_softmax(logits, -1).gather(1, targets.narrow(0, s, n).unsqueeze(1)).squeeze(1));
  }
  return torch::cat(parts).view({G, L});
}

}  // namespace trafl::training
