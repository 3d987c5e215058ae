// LLaDA sampler (see llada_sampler.hpp).
#include "sampling/llada_sampler.hpp"

#include <torch/torch.h>  // a LibTorch unit (CMakeLists.txt selects them by this line)

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "core/error.hpp"

namespace trafl::sampling {
namespace {

constexpr std::uint64_t kGamma = 0x9e3779b97f4a7c15ULL;
constexpr std::uint64_t kMul1 = 0xbf58476d1ce4e5b9ULL;
constexpr std::uint64_t kMul2 = 0x94d049bb133111ebULL;

std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * kMul1;
  z = (z ^ (z >> 27)) * kMul2;
  return z ^ (z >> 31);
}

std::int64_t as_i64(std::uint64_t v) { return static_cast<std::int64_t>(v); }

// Logical right shift of int64 tensors (>> is arithmetic on signed values).
torch::Tensor lsr(const torch::Tensor& z, int s) { return z.__rshift__(s).bitwise_and(as_i64((1ULL << (64 - s)) - 1)); }

// splitmix64's finaliser on int64 tensors (multiplication wraps mod 2^64 like uint64).
torch::Tensor mix64(torch::Tensor z) {
  z = z.bitwise_xor(lsr(z, 30)).mul(as_i64(kMul1));
  z = z.bitwise_xor(lsr(z, 27)).mul(as_i64(kMul2));
  return z.bitwise_xor(lsr(z, 31));
}

// U(0,1) (open interval, 53-bit) for row keys [B, 1(, 1)] and counters broadcast against them.
torch::Tensor uniform(const torch::Tensor& row_keys, const torch::Tensor& counters) {
  torch::Tensor z = mix64(row_keys + counters.mul(as_i64(kGamma)));
  return (lsr(z, 11).to(torch::kFloat64) + 0.5) * (1.0 / 9007199254740992.0);
}

}  // namespace

Remasking parse_remasking(const std::string& name) {
  if (name == "low_confidence") return Remasking::LowConfidence;
  if (name == "random") return Remasking::Random;
  throw UsageError(fmt::format("--remasking: unknown strategy '{}' (expected low_confidence or random)", name));
}

void fill_token_ids(SamplerOptions& o, const model::ModelConfig& c) {
  o.mask_id = c.mask_token_id;
  if (!c.eos_token_ids.empty()) o.eos_id = c.eos_token_ids.front();
  if (c.pad_token_id) o.pad_id = *c.pad_token_id;
}

void validate(const SamplerOptions& o) {
  if (o.gen_length <= 0 || o.steps <= 0 || o.block_length <= 0)
    throw UsageError("gen_length, steps and block_length must be positive");
  if (o.gen_length % o.block_length != 0)
    throw UsageError(fmt::format("gen_length {} is not a multiple of block_length {}", o.gen_length, o.block_length));
  const std::int64_t blocks = o.gen_length / o.block_length;
  if (o.steps % blocks != 0)
    throw UsageError(fmt::format("steps {} is not a multiple of the number of blocks {}", o.steps, blocks));
  if (o.steps > 65535) throw UsageError("steps must be at most 65535");
  if (o.mask_id < 0) throw UsageError("the sampler needs a mask token id");
  if (o.temperature < 0) throw UsageError("temperature must be >= 0");
  if ((o.logits_eos_inf || o.confidence_eos_eot_inf) && o.eos_id < 0)
    throw UsageError("the EOS options need an eos token id");
}

std::vector<std::int64_t> transfer_schedule(std::int64_t n, std::int64_t steps) {
  std::vector<std::int64_t> out(static_cast<std::size_t>(steps), n / steps);
  for (std::int64_t i = 0; i < n % steps; ++i) ++out[static_cast<std::size_t>(i)];
  return out;
}

std::uint64_t sample_key(std::uint64_t seed, const SampleKey& key, std::uint64_t stream) {
  std::uint64_t z = mix64(seed + kGamma);
  z = mix64(z ^ mix64(key.problem + 2 * kGamma));
  z = mix64(z ^ mix64(key.index + 3 * kGamma));
  return mix64(z ^ mix64(stream + 4 * kGamma));
}

std::vector<Trajectory> sample(const model::LLaDAModel& model, const std::vector<std::vector<std::int64_t>>& prompts,
                               const std::vector<SampleKey>& keys, const SamplerOptions& o) {
  validate(o);
  if (prompts.size() != keys.size()) throw std::invalid_argument("sample: prompts and keys differ in length");
  if (prompts.empty()) return {};
  torch::NoGradGuard no_grad;
  const torch::Device dev = model.device();
  const auto i64 = torch::TensorOptions().dtype(torch::kLong);
  const std::int64_t B = static_cast<std::int64_t>(prompts.size());
  const std::int64_t V = model.config().embedding_size;
  std::int64_t pad = o.pad_id >= 0 ? o.pad_id : (o.eos_id >= 0 ? o.eos_id : 0);
  if (pad == o.mask_id) throw UsageError("the pad token id must differ from the mask token id");

  // ---- x = [left pad | prompt | G masks], attention mask 0 on pads -------------------------------
  std::int64_t Lp = 0;
  for (const auto& p : prompts) Lp = std::max<std::int64_t>(Lp, static_cast<std::int64_t>(p.size()));
  const std::int64_t G = o.gen_length, L = Lp + G;
  torch::Tensor x_host = torch::full({B, L}, o.mask_id, i64);
  torch::Tensor am_host = torch::ones({B, L}, i64);
  bool padded = false;
  auto xa = x_host.accessor<std::int64_t, 2>();
  auto aa = am_host.accessor<std::int64_t, 2>();
  for (std::int64_t r = 0; r < B; ++r) {
    const auto& p = prompts[static_cast<std::size_t>(r)];
    const std::int64_t off = Lp - static_cast<std::int64_t>(p.size());
    for (std::int64_t j = 0; j < off; ++j) {
      xa[r][j] = pad;
      aa[r][j] = 0;
      padded = true;
    }
    for (std::size_t j = 0; j < p.size(); ++j) {
      if (p[j] == o.mask_id)
        throw InputError("prompt", 0, "", fmt::format("prompt {} contains the mask token (id {}) at position {}", r,
                                                      o.mask_id, j));
      if (p[j] < 0 || p[j] >= V)
        throw InputError("prompt", 0, "", fmt::format("prompt {}: token id {} outside the vocabulary [0, {})", r, p[j], V));
      xa[r][off + static_cast<std::int64_t>(j)] = p[j];
    }
  }
  torch::Tensor x = x_host.to(dev);
  torch::Tensor attn = padded ? am_host.to(dev) : torch::Tensor();
  torch::Tensor prompt_index = torch::zeros({B, L}, torch::TensorOptions().dtype(torch::kBool).device(dev));
  prompt_index.narrow(1, 0, Lp).fill_(true);

  // ---- per-row noise keys ---------------------------------------------------------------------
  std::vector<std::int64_t> gumbel_keys, random_keys;
  for (const SampleKey& k : keys) {
    gumbel_keys.push_back(as_i64(sample_key(o.seed, k, 0)));
    random_keys.push_back(as_i64(sample_key(o.seed, k, 1)));
  }
  const torch::Tensor gkey = torch::tensor(gumbel_keys, i64).to(dev).view({B, 1, 1});
  const torch::Tensor rkey = torch::tensor(random_keys, i64).to(dev).view({B, 1});

  const std::int64_t BL = o.block_length, num_blocks = G / BL, spb = o.steps / num_blocks;
  const auto i64d = i64.device(dev);
  const torch::Tensor vocab_ids = torch::arange(V, i64d).view({1, 1, V});
  torch::Tensor step_of = torch::full({B, G}, -1, torch::TensorOptions().dtype(torch::kInt).device(dev));
  torch::Tensor conf_of = torch::zeros({B, G}, torch::TensorOptions().dtype(torch::kFloat32).device(dev));
  const double neg_inf = -std::numeric_limits<double>::infinity();

  for (std::int64_t b = 0; b < num_blocks; ++b) {
    const std::int64_t start = Lp + b * BL;  // absolute position of the block
    // Every block starts fully masked, so every row has n = BL and the same schedule.
    const std::vector<std::int64_t> schedule = transfer_schedule(BL, spb);
    for (std::int64_t i = 0; i < spb; ++i) {
      const std::int64_t gstep = b * spb + i;
      const std::int64_t k = schedule[static_cast<std::size_t>(i)];
      if (k == 0) continue;  // steps_per_block > block_length: nothing to commit (the reference's topk(k=0))
      torch::Tensor logits;  // [B, BL, V]
      if (o.cfg_scale > 0) {
        torch::Tensor un_x = x.masked_fill(prompt_index, o.mask_id);
        torch::Tensor both = model.forward(torch::cat({x, un_x}), attn.defined() ? torch::cat({attn, attn}) : attn,
                                           start, BL);
        torch::Tensor cond = both.narrow(0, 0, B), un = both.narrow(0, B, B);
        logits = un + (o.cfg_scale + 1.0) * (cond - un);
      } else {
        logits = model.forward(x, attn, start, BL);
      }
      logits = logits.to(torch::kFloat64);
      if (o.logits_eos_inf) logits.select(-1, o.eos_id).fill_(neg_inf);

      torch::Tensor noisy = logits;
      if (o.temperature > 0) {
        // counter = (global step · G + generated position) · V + vocab id
        torch::Tensor pos = torch::arange(b * BL, (b + 1) * BL, i64d).view({1, BL, 1});
        torch::Tensor counter = (pos + gstep * G) * V + vocab_ids;
        torch::Tensor u = uniform(gkey, counter);  // [B, BL, V]
        noisy = logits.exp() / (-u.log()).pow(o.temperature);
      }
      torch::Tensor x0 = noisy.argmax(-1);  // [B, BL]
      if (o.confidence_eos_eot_inf) {
        noisy.select(-1, o.eos_id).fill_(neg_inf);
        if (o.eot_id >= 0) logits.select(-1, o.eot_id).fill_(neg_inf);
      }
      torch::Tensor p0 = torch::softmax(logits, -1).gather(-1, x0.unsqueeze(-1)).squeeze(-1);  // [B, BL] f64
      torch::Tensor select_conf = p0;
      if (o.remasking == Remasking::Random) {
        torch::Tensor pos = torch::arange(b * BL, (b + 1) * BL, i64d).view({1, BL});
        select_conf = uniform(rkey, pos + gstep * G);
      }
      torch::Tensor xb = x.narrow(1, start, BL);  // view into x
      torch::Tensor masked = xb.eq(o.mask_id);
      torch::Tensor confidence = torch::where(masked, select_conf, torch::full_like(select_conf, neg_inf));
      torch::Tensor idx = std::get<1>(confidence.topk(k, -1));  // [B, k]
      xb.scatter_(1, idx, x0.gather(1, idx));
      torch::Tensor gidx = idx + b * BL;
      step_of.scatter_(1, gidx, static_cast<int>(gstep));
      conf_of.scatter_(1, gidx, p0.gather(1, idx).to(torch::kFloat32));
    }
  }

  // ---- back to the host -----------------------------------------------------------------------
  torch::Tensor gen = x.narrow(1, Lp, G).to(torch::kCPU).contiguous();
  torch::Tensor steps_h = step_of.to(torch::kCPU).contiguous();
  torch::Tensor conf_h = conf_of.to(torch::kCPU).contiguous();
  std::vector<Trajectory> out(static_cast<std::size_t>(B));
  for (std::int64_t r = 0; r < B; ++r) {
    Trajectory& t = out[static_cast<std::size_t>(r)];
    t.steps = static_cast<std::uint32_t>(o.steps);
    const std::int64_t* g = gen.data_ptr<std::int64_t>() + r * G;
    const std::int32_t* s = steps_h.data_ptr<std::int32_t>() + r * G;
    const float* c = conf_h.data_ptr<float>() + r * G;
    t.tokens.assign(g, g + G);
    t.step.assign(s, s + G);
    t.confidence.assign(c, c + G);
  }
  return out;
}

}  // namespace trafl::sampling
