// LLaDA sampler (see llada_sampler.hpp).
#include "sampling/llada_sampler.hpp"

#include <torch/torch.h>  // a LibTorch unit (CMakeLists.txt selects them by this line)

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "sampling/noise.hpp"

namespace trafl::sampling {
namespace {

std::int64_t as_i64(std::uint64_t v) { return static_cast<std::int64_t>(v); }

}  // namespace

Remasking parse_remasking(const std::string& name) {
  if (name == "low_confidence") return Remasking::kLowConfidence;
  if (name == "random") return Remasking::kRandom;
  throw UsageError(fmt::format("--remasking: unknown strategy '{}' (expected low_confidence or random)", name));
}

ConfidenceDtype parse_confidence_dtype(const std::string& name) {
  if (name == "f64") return ConfidenceDtype::kFloat64;
  if (name == "model") return ConfidenceDtype::kModel;
  throw UsageError(fmt::format("--confidence-dtype: unknown '{}' (expected f64 or model)", name));
}

torch::Tensor commit_confidence(const torch::Tensor& logits, const torch::Tensor& x0, ConfidenceDtype dtype) {
  const torch::Tensor l = dtype == ConfidenceDtype::kFloat64 ? logits.to(torch::kFloat64) : logits;
  return torch::softmax(l, -1).gather(-1, x0.unsqueeze(-1)).squeeze(-1).to(torch::kFloat64);
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
  if (!(o.temperature >= 0) || !std::isfinite(o.temperature)) throw UsageError("temperature must be finite and >= 0");
  if (!std::isfinite(o.cfg_scale)) throw UsageError("cfg_scale must be finite");
  if ((o.logits_eos_inf || o.confidence_eos_eot_inf) && o.eos_id < 0)
    throw UsageError("the EOS options need an eos token id");
  if (o.fast && !(o.threshold >= 0.0)) throw UsageError("the fast-mode threshold must be >= 0");
}

std::vector<std::int64_t> transfer_schedule(std::int64_t n, std::int64_t steps) {
  std::vector<std::int64_t> out(static_cast<std::size_t>(steps), n / steps);
  for (std::int64_t i = 0; i < n % steps; ++i) ++out[static_cast<std::size_t>(i)];
  return out;
}

std::uint64_t sample_key(std::uint64_t seed, const SampleKey& key, std::uint64_t stream) {
  constexpr std::uint64_t g = kGoldenGamma;
  std::uint64_t z = mix64(seed + g);
  z = mix64(z ^ mix64(key.problem + 2 * g));
  z = mix64(z ^ mix64(key.index + 3 * g));
  return mix64(z ^ mix64(stream + 4 * g));
}

namespace {

// One batch laid out for sampling: x = [left pad | prompt | G masks] and what every step needs.
struct Batch {
  std::int64_t B = 0, Lp = 0, G = 0, L = 0, V = 0;
  torch::Tensor x;             // [B, L] int64 on the model's device, updated in place
  torch::Tensor attn;          // [B, L] 1 = real, 0 = pad; undefined when nothing is padded
  torch::Tensor prompt_index;  // [B, L] bool, the prompt (pads included): masked in CFG's copy
  torch::Tensor gkey, rkey;    // per-row noise keys [B] (Gumbel, random remasking): noise.hpp
  torch::Tensor step_of;       // [B, G] int32, commit step (-1 = not yet)
  torch::Tensor conf_of;       // [B, G] float32, probability at commit
  torch::Tensor bad_step;      // [B] int64: the first step whose confidences were not finite (-1: none)
};

Batch make_batch(const model::LLaDAModel& model, const std::vector<std::vector<std::int64_t>>& prompts,
                 const std::vector<SampleKey>& keys, const SamplerOptions& o) {
  Batch bt;
  const torch::Device dev = model.device();
  const auto i64 = torch::TensorOptions().dtype(torch::kLong);
  bt.B = static_cast<std::int64_t>(prompts.size());
  bt.V = model.config().embedding_size;
  const std::int64_t pad = o.pad_id >= 0 ? o.pad_id : (o.eos_id >= 0 ? o.eos_id : 0);
  if (pad == o.mask_id) throw UsageError("the pad token id must differ from the mask token id");
  for (const auto& p : prompts) bt.Lp = std::max<std::int64_t>(bt.Lp, static_cast<std::int64_t>(p.size()));
  bt.G = o.gen_length;
  bt.L = bt.Lp + bt.G;
  torch::Tensor x_host = torch::full({bt.B, bt.L}, o.mask_id, i64);
  torch::Tensor am_host = torch::ones({bt.B, bt.L}, i64);
  bool padded = false;
  auto xa = x_host.accessor<std::int64_t, 2>();
  auto aa = am_host.accessor<std::int64_t, 2>();
  for (std::int64_t r = 0; r < bt.B; ++r) {
    const auto& p = prompts[static_cast<std::size_t>(r)];
    const std::int64_t off = bt.Lp - static_cast<std::int64_t>(p.size());
    for (std::int64_t j = 0; j < off; ++j) {
      xa[r][j] = pad;
      aa[r][j] = 0;
      padded = true;
    }
    for (std::size_t j = 0; j < p.size(); ++j) {
      if (p[j] == o.mask_id)
        throw InputError("prompt", 0, "",
                         fmt::format("prompt {} contains the mask token (id {}) at position {}", r, o.mask_id, j));
      if (p[j] < 0 || p[j] >= bt.V)
        throw InputError("prompt", 0, "",
                         fmt::format("prompt {}: token id {} outside the vocabulary [0, {})", r, p[j], bt.V));
      xa[r][off + static_cast<std::int64_t>(j)] = p[j];
    }
  }
  bt.x = x_host.to(dev);
  bt.attn = padded ? am_host.to(dev) : torch::Tensor();
  bt.prompt_index = torch::zeros({bt.B, bt.L}, torch::TensorOptions().dtype(torch::kBool).device(dev));
  bt.prompt_index.narrow(1, 0, bt.Lp).fill_(true);
  std::vector<std::int64_t> gumbel_keys, random_keys;
  for (const SampleKey& k : keys) {
    gumbel_keys.push_back(as_i64(sample_key(o.seed, k, 0)));
    random_keys.push_back(as_i64(sample_key(o.seed, k, 1)));
  }
  bt.gkey = torch::tensor(gumbel_keys, i64).to(dev);
  bt.rkey = torch::tensor(random_keys, i64).to(dev);
  bt.step_of = torch::full({bt.B, bt.G}, -1, torch::TensorOptions().dtype(torch::kInt).device(dev));
  bt.conf_of = torch::zeros({bt.B, bt.G}, torch::TensorOptions().dtype(torch::kFloat32).device(dev));
  bt.bad_step = torch::full({bt.B}, -1, torch::TensorOptions().dtype(torch::kLong).device(dev));
  return bt;
}

// The model's logits for positions [start, start + BL) of every row ([B, BL, V], model dtype), with
// CFG when asked. `cache`: null = a plain forward; otherwise forward_cached with it (the input then
// starts at cache->length; empty cache = a full forward that refills `refill` up to refill_length).
torch::Tensor block_logits(const model::LLaDAModel& model, const Batch& bt, const SamplerOptions& o, std::int64_t start,
                           std::int64_t BL, const model::KVCache* cache = nullptr, model::KVCache* refill = nullptr,
                           std::int64_t refill_length = 0) {
  torch::Tensor input = bt.x, attn = bt.attn;
  if (o.cfg_scale > 0) {
    input = torch::cat({bt.x, bt.x.masked_fill(bt.prompt_index, o.mask_id)});
    if (attn.defined()) attn = torch::cat({attn, attn});
  }
  torch::Tensor logits;
  if (!cache) {
    logits = model.forward(input, attn, start, BL);
  } else {
    const std::int64_t P = cache->empty() ? 0 : cache->length;
    logits = model.forward_cached(input.narrow(1, P, bt.L - P), attn, *cache, start - P, BL, refill, refill_length);
  }
  if (o.cfg_scale > 0) {
    torch::Tensor cond = logits.narrow(0, 0, bt.B), un = logits.narrow(0, bt.B, bt.B);
    logits = un + (o.cfg_scale + 1.0) * (cond - un);
  }
  return logits;
}

struct Denoised {
  torch::Tensor x0;           // [B, BL] int64: the predicted token of every position
  torch::Tensor p0;           // [B, BL] float64: softmax(logits)[x0]
  torch::Tensor select_conf;  // [B, BL] float64: what top-k ranks (p0, or U(0,1) under random remasking)
};

// LLaDA's per-step prediction for one block (see llada_sampler.hpp): logits [B, BL, V] in the model
// dtype; `steps` [B] int64 is each row's step number, which (with the position) indexes the noise.
Denoised denoise(torch::Tensor logits, const torch::Tensor& steps, std::int64_t block, std::int64_t BL, const Batch& bt,
                 const SamplerOptions& o) {
  const double neg_inf = -std::numeric_limits<double>::infinity();
  // confidence_dtype Model: the confidences come from the logits in their own dtype, with the same
  // -inf fills as the float64 ones below (a copy: .to(kFloat64) may return the same tensor).
  torch::Tensor model_logits;
  if (o.confidence_dtype == ConfidenceDtype::kModel) model_logits = logits.clone();
  logits = logits.to(torch::kFloat64);
  // Never predict the mask token itself (a committed [MASK] would stay masked: the reference can do
  // that with an untrained model; a trained one gives it ~0 probability, so this changes nothing there).
  logits.select(-1, o.mask_id).fill_(neg_inf);
  if (o.logits_eos_inf) logits.select(-1, o.eos_id).fill_(neg_inf);
  if (model_logits.defined()) {
    model_logits.select(-1, o.mask_id).fill_(neg_inf);
    if (o.logits_eos_inf) model_logits.select(-1, o.eos_id).fill_(neg_inf);
  }
  const torch::Tensor step_base = steps * bt.G;  // [B]
  torch::Tensor noisy = logits;
  if (o.temperature > 0) {
    // counter = (step · G + generated position) · V + vocab id
    const torch::Tensor first = (step_base + block * BL) * bt.V;
    torch::Tensor g = counter_uniform(bt.gkey, first, BL * bt.V).view({bt.B, BL, bt.V}).log_().neg_();  // -log u
    if (o.temperature != 1.0) g.pow_(o.temperature);  // pow(x, 1) == x: skipped, same bits
    noisy = logits.exp().div_(g);
  }
  Denoised d;
  d.x0 = noisy.argmax(-1);  // [B, BL]
  if (o.confidence_eos_eot_inf) {
    noisy.select(-1, o.eos_id).fill_(neg_inf);
    if (o.eot_id >= 0) logits.select(-1, o.eot_id).fill_(neg_inf);
    if (model_logits.defined()) {  // the same fills: eos reaches the logits only at T = 0 (noisy is logits then)
      if (o.temperature <= 0) model_logits.select(-1, o.eos_id).fill_(neg_inf);
      if (o.eot_id >= 0) model_logits.select(-1, o.eot_id).fill_(neg_inf);
    }
  }
  d.p0 = model_logits.defined() ? commit_confidence(model_logits, d.x0, ConfidenceDtype::kModel)
                                : commit_confidence(logits, d.x0, ConfidenceDtype::kFloat64);
  d.select_conf = d.p0;
  if (o.remasking == Remasking::kRandom)
    d.select_conf = counter_uniform(bt.rkey, step_base + block * BL, BL);  // counter = step · G + position
  return d;
}

// NaN weights, or a forward that overflowed, give non-finite logits; softmax then makes the whole row's
// confidences NaN and argmax picks token 0, so a sample of all zeros came out with exit status 0. Checked
// here once per step on the [B, BL] confidences (a NaN or ±inf anywhere in a row's logits makes its
// softmax NaN), on the device and without a host sync: the first bad step of each row is kept, and
// sample() fails after the loop, naming it.
void note_non_finite(Batch& bt, const Denoised& d, const torch::Tensor& steps) {
  const torch::Tensor row_bad = d.p0.isfinite().all(1).logical_not();  // [B] bool
  bt.bad_step = torch::where(row_bad.logical_and(bt.bad_step.lt(0)), steps, bt.bad_step);
}

void fail_if_non_finite(const Batch& bt) {
  const torch::Tensor bad = bt.bad_step.to(torch::kCPU);
  const auto* s = bad.data_ptr<std::int64_t>();
  for (std::int64_t r = 0; r < bt.B; ++r)
    if (s[r] >= 0)
      throw std::runtime_error(fmt::format(
          "the model's logits are not finite (NaN or inf) at denoising step {} of batch row {}: the weights hold "
          "NaN/inf or the forward overflowed in this dtype; no sample was produced",
          s[r], r));
}

// Writes the chosen positions (select [B, BL] bool) of block `block`: tokens, step, confidence.
void commit(Batch& bt, const Denoised& d, const torch::Tensor& select, const torch::Tensor& steps, std::int64_t block,
            std::int64_t BL) {
  torch::Tensor xb = bt.x.narrow(1, bt.Lp + block * BL, BL);
  xb.copy_(torch::where(select, d.x0, xb));
  torch::Tensor sb = bt.step_of.narrow(1, block * BL, BL);
  sb.copy_(torch::where(select, steps.view({bt.B, 1}).to(torch::kInt), sb));
  torch::Tensor cb = bt.conf_of.narrow(1, block * BL, BL);
  cb.copy_(torch::where(select, d.p0.to(torch::kFloat32), cb));
}

// Exact mode: the reference schedule, every row in lockstep (global step numbers).
void run_exact(const model::LLaDAModel& model, Batch& bt, const SamplerOptions& o) {
  const double neg_inf = -std::numeric_limits<double>::infinity();
  const std::int64_t BL = o.block_length, num_blocks = bt.G / BL, spb = o.steps / num_blocks;
  const torch::Device dev = model.device();
  // Every block starts fully masked, so every row has n = BL and the same schedule.
  const std::vector<std::int64_t> schedule = transfer_schedule(BL, spb);
  for (std::int64_t b = 0; b < num_blocks; ++b) {
    const std::int64_t start = bt.Lp + b * BL;  // absolute position of the block
    for (std::int64_t i = 0; i < spb; ++i) {
      const std::int64_t gstep = b * spb + i;
      const std::int64_t k = schedule[static_cast<std::size_t>(i)];
      if (k == 0) continue;  // steps_per_block > block_length: nothing to commit (the reference's topk(k=0))
      const torch::Tensor steps = torch::full({bt.B}, gstep, torch::TensorOptions().dtype(torch::kLong).device(dev));
      const Denoised d = denoise(block_logits(model, bt, o, start, BL), steps, b, BL, bt, o);
      note_non_finite(bt, d, steps);
      const torch::Tensor masked = bt.x.narrow(1, start, BL).eq(o.mask_id);
      const torch::Tensor confidence = d.select_conf.masked_fill(masked.logical_not(), neg_inf);
      const torch::Tensor idx = std::get<1>(confidence.topk(k, -1));  // [B, k]
      const torch::Tensor select = torch::zeros_like(masked).scatter_(1, idx, true);
      commit(bt, d, select, steps, b, BL);
    }
  }
}

// Fast mode: threshold decoding (+ prefix cache), each row with its own step count (see the header).
void run_fast(const model::LLaDAModel& model, Batch& bt, const SamplerOptions& o) {
  const double neg_inf = -std::numeric_limits<double>::infinity();
  const std::int64_t BL = o.block_length, num_blocks = bt.G / BL, spb = o.steps / num_blocks;
  const torch::Device dev = model.device();
  const auto i64d = torch::TensorOptions().dtype(torch::kLong).device(dev);
  const torch::Tensor schedule = torch::tensor(transfer_schedule(BL, spb), torch::kLong).to(dev);  // [spb]
  const torch::Tensor ranks = torch::arange(BL, i64d).view({1, BL});
  // Dream predicts position p from hidden state p - 1: keep that state out of the cache.
  const std::int64_t shift = model.config().logit_shift ? 1 : 0;
  torch::Tensor steps = torch::zeros({bt.B}, i64d);  // each row's steps so far
  for (std::int64_t b = 0; b < num_blocks; ++b) {
    const std::int64_t start = bt.Lp + b * BL;
    const std::int64_t cache_len = std::max<std::int64_t>(0, start - shift);
    torch::Tensor iter = torch::zeros({bt.B}, i64d);  // each row's step within this block
    model::KVCache cache;
    for (std::int64_t it = 0;; ++it) {
      const torch::Tensor masked = bt.x.narrow(1, start, BL).eq(o.mask_id);  // [B, BL]
      const torch::Tensor remaining = masked.sum(1);                         // [B]
      const torch::Tensor active = remaining.gt(0);
      if (!active.any().item<bool>()) break;
      // The scheduled minimum for each row's own step in the block (never more than what is left).
      // At the block's last scheduled step everything left goes (the schedule's own last step does
      // exactly that), so a block always ends within steps_per_block steps.
      const torch::Tensor k_row = torch::where(
          iter.ge(spb - 1), remaining, torch::minimum(schedule.index_select(0, iter.clamp_max(spb - 1)), remaining));
      torch::Tensor logits;
      if (!o.prefix_cache)
        logits = block_logits(model, bt, o, start, BL);
      else if (it == 0)
        logits = block_logits(model, bt, o, start, BL, &cache, &cache, cache_len);
      else
        logits = block_logits(model, bt, o, start, BL, &cache);
      const Denoised d = denoise(logits, steps, b, BL, bt, o);
      note_non_finite(bt, d, steps);
      torch::Tensor select = masked.logical_and(d.p0.gt(o.threshold));
      const std::int64_t kmax = k_row.max().item<std::int64_t>();
      if (kmax > 0) {
        const torch::Tensor confidence = d.select_conf.masked_fill(masked.logical_not(), neg_inf);
        const torch::Tensor idx = std::get<1>(confidence.topk(kmax, -1));  // [B, kmax]
        const torch::Tensor take = ranks.narrow(1, 0, kmax).lt(k_row.view({bt.B, 1}));
        select = select.logical_or(torch::zeros_like(masked).scatter_(1, idx, take));
      }
      commit(bt, d, select, steps, b, BL);
      steps.add_(active.to(torch::kLong));
      iter.add_(active.to(torch::kLong));
    }
  }
}

}  // namespace

std::vector<Trajectory> sample(const model::LLaDAModel& model, const std::vector<std::vector<std::int64_t>>& prompts,
                               const std::vector<SampleKey>& keys, const SamplerOptions& o) {
  validate(o);
  if (prompts.size() != keys.size()) throw std::invalid_argument("sample: prompts and keys differ in length");
  if (prompts.empty()) return {};
  c10::InferenceMode inference;  // no autograd bookkeeping at all (lighter than NoGradGuard)
  Batch bt = make_batch(model, prompts, keys, o);
  if (o.fast)
    run_fast(model, bt, o);
  else
    run_exact(model, bt, o);
  fail_if_non_finite(bt);

  // ---- back to the host -----------------------------------------------------------------------
  const std::int64_t B = bt.B, G = bt.G;
  torch::Tensor gen = bt.x.narrow(1, bt.Lp, G).to(torch::kCPU).contiguous();
  torch::Tensor steps_h = bt.step_of.to(torch::kCPU).contiguous();
  torch::Tensor conf_h = bt.conf_of.to(torch::kCPU).contiguous();
  std::vector<Trajectory> out(static_cast<std::size_t>(B));
  for (std::int64_t r = 0; r < B; ++r) {
    Trajectory& t = out[static_cast<std::size_t>(r)];
    const std::int64_t* g = gen.data_ptr<std::int64_t>() + r * G;
    const std::int32_t* s = steps_h.data_ptr<std::int32_t>() + r * G;
    const float* c = conf_h.data_ptr<float>() + r * G;
    t.tokens.assign(g, g + G);
    t.step.assign(s, s + G);
    t.confidence.assign(c, c + G);
    // Exact mode: the configured steps. Fast mode: the steps this row actually took.
    t.steps =
        o.fast ? static_cast<std::uint32_t>(*std::max_element(s, s + G) + 1) : static_cast<std::uint32_t>(o.steps);
  }
  return out;
}

}  // namespace trafl::sampling
