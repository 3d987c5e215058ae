// LLaDA model: init, load, save, forward (see llada.hpp for the math).
#include "model/llada.hpp"

#include <torch/torch.h>  // a LibTorch unit (CMakeLists.txt selects them by this line)

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>

#include "checkpoint/checkpoint.hpp"
#include "checkpoint/sharded.hpp"
#include "core/error.hpp"
#include "model/attention.hpp"
#include "model/cpu_blas.hpp"
#include "model/cpu_kernels.hpp"
#include "model/cpu_threads.hpp"

namespace trafl::model {
namespace ck = trafl::checkpoint;

torch::Device parse_device(const std::string& name) {
  if (name == "cpu") return torch::kCPU;
  if (name.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available())
      throw UsageError(fmt::format("--device {}: this LibTorch build has no usable CUDA device", name));
    return torch::Device(name);
  }
  throw UsageError(fmt::format("--device: unknown device '{}' (expected cpu or cuda)", name));
}

torch::ScalarType parse_dtype(const std::string& name) {
  if (name == "f32" || name == "float32" || name == "fp32") return torch::kFloat32;
  if (name == "bf16" || name == "bfloat16") return torch::kBFloat16;
  if (name == "f16" || name == "float16" || name == "fp16") return torch::kFloat16;
  throw UsageError(fmt::format("--dtype: unknown dtype '{}' (expected f32, bf16 or f16)", name));
}

namespace {

torch::ScalarType torch_dtype(ck::DType t) {
  switch (t) {
    case ck::DType::kF32: return torch::kFloat32;
    case ck::DType::kBf16: return torch::kBFloat16;
    case ck::DType::kF16: return torch::kFloat16;
    default: throw std::logic_error("torch_dtype: unsupported checkpoint dtype");
  }
}

ck::DType disk_dtype_of(torch::ScalarType t) {
  if (t == torch::kFloat32) return ck::DType::kF32;
  if (t == torch::kBFloat16) return ck::DType::kBf16;
  if (t == torch::kFloat16) return ck::DType::kF16;
  throw UsageError("checkpoint dtype must be f32, bf16 or f16");
}

// The tensor behind a checkpoint view, on options.device in options.dtype (an owned copy unless zero_copy applies).
torch::Tensor tensor_from_view(const ck::TensorView& view, const LoadOptions& options) {
  const torch::ScalarType src = torch_dtype(view.dtype);
  const std::vector<std::int64_t> shape(view.shape.begin(), view.shape.end());
  const auto src_opts = torch::TensorOptions().dtype(src);
  if (view.is_aligned()) {
    void* data = const_cast<std::byte*>(view.data);  // never written: copied below, or read-only use
    if (options.zero_copy && options.device.is_cpu() && src == options.dtype) {
      auto keep = view.keepalive;
      return torch::from_blob(
          data, shape, [keep](void*) {}, src_opts);
    }
    torch::Tensor t = torch::from_blob(data, shape, src_opts).to(options.device, options.dtype, false, /*copy=*/true);
    ck::release_pages(view);  // copied (synchronously, also to a GPU): the mapped pages are not needed again
    return t;
  }
  ck::AlignedBuffer buffer = ck::copy_aligned(view);
  ck::release_pages(view);
  return torch::from_blob(buffer.data(), shape, src_opts).to(options.device, options.dtype, false, /*copy=*/true);
}

// trunc_normal(0, std, [-3std, 3std]) by redrawing out-of-range entries (deterministic in the generator).
torch::Tensor trunc_normal(const std::vector<std::int64_t>& shape, double std, at::Generator& gen) {
  torch::Tensor t = torch::empty(shape, torch::kFloat32).normal_(0.0, std, gen);
  for (int round = 0; round < 100; ++round) {
    torch::Tensor out = t.abs() > 3.0 * std;
    if (!out.any().item<bool>()) break;
    torch::Tensor fresh = torch::empty(shape, torch::kFloat32).normal_(0.0, std, gen);
    t = torch::where(out, fresh, t);
  }
  return t.clamp(-3.0 * std, 3.0 * std);
}

// RMSNorm(x) * weight: statistics in fp32, cast back, then the weight (HF's order of roundings).
// With the pack the weight is undefined: it is folded into the following matrix instead.
// `infer` (no autograd): the temporaries are updated in place instead of allocated per operation.
torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps, bool infer) {
  const torch::Tensor x32 = x.to(torch::kFloat32);
  if (!infer) return weight * (x32 * torch::rsqrt(x32.pow(2).mean(-1, /*keepdim=*/true) + eps)).to(x.scalar_type());
  const torch::Tensor r = x32.pow(2).mean(-1, /*keepdim=*/true).add_(eps).rsqrt_();  // [.., 1]
  torch::Tensor y = (x32 * r).to(x.scalar_type());
  return weight.defined() ? y.mul_(weight) : y;  // undefined: folded into the next matrix (InferencePack)
}

// W [out, in] with its columns scaled by the RMSNorm weight w [in] that precedes it: linear(x·w, W) =
// linear(x, W·diag(w)). Computed in fp32, stored in W's dtype.
torch::Tensor fold_norm(const torch::Tensor& W, const torch::Tensor& w) {
  return (W.to(torch::kFloat32) * w.to(torch::kFloat32)).to(W.scalar_type());
}

// Split-halves RoPE, (x1, x2) -> (x1·cos - x2·sin, x2·cos + x1·sin), written as
// x·cos + swap_halves(x)·sin_signed with sin_signed = (-sin | sin): one copy (the swap) instead of
// rotate_half's negate + concatenate. x [B, H, L, hd] -> [B, H, L, hd] contiguous, computed in
// fp32 and cast back; cos / sin_signed [1 or B, 1, L, hd] fp32 (the query's tables carry 1/√hd).
torch::Tensor apply_rope(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin_signed,
                         bool infer) {
  const torch::Tensor x32 = x.to(torch::kFloat32);
  const std::int64_t h = x.size(-1) / 2;
  torch::Tensor swapped = torch::cat({x32.narrow(-1, h, h), x32.narrow(-1, 0, h)}, -1);
  torch::Tensor out = infer ? swapped.mul_(sin_signed).addcmul_(x32, cos) : x32 * cos + swapped * sin_signed;
  return out.to(x.scalar_type());
}

// v as stored when its rows are contiguous (the [B, L, heads, hd] views into the q/k/v product are).
torch::Tensor unit_stride_rows(const torch::Tensor& v) { return v.stride(-1) == 1 ? v : v.contiguous(); }

// attention() without autograd on CPU f32: each (row, head) pair's two products go to BLAS directly
// (cpu_kernels.hpp), the output written in place into the [B, L, H, hd] layout the next projection
// reads. Measured on the tiny model (L 96, hd 32): the per-head tensor calls this replaces (select,
// transpose, mm_out, add_, _softmax_out: ~10 dispatches per head) cost more than their arithmetic.
// Splitting one row's heads over 2 threads measured ~4% slower than one thread (hand-off costs);
// batches use the threads through run()'s row chunks.
// q [B, H, L, hd] and k [B, Hkv, Lk, hd] contiguous, v [B, Hkv, Lk, hd] with unit stride in hd,
// bias [B, 1, 1, Lk] fp32 or undefined.
torch::Tensor cpu_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                            const torch::Tensor& bias) {
  const std::int64_t B = q.size(0), H = q.size(1), L = q.size(2), hd = q.size(3);
  torch::Tensor out = torch::empty({B, L, H, hd}, q.options());
  cpu::AttentionArgs a;
  a.B = B;
  a.H = H;
  a.Hkv = k.size(1);
  a.L = L;
  a.hd = hd;
  a.q = {q.data_ptr<float>(), q.stride(0), q.stride(1), q.stride(2)};
  a.segments = 1;
  a.k[0] = {k.data_ptr<float>(), k.stride(0), k.stride(1), k.stride(2)};
  a.v[0] = {v.data_ptr<float>(), v.stride(0), v.stride(1), v.stride(2)};
  a.length[0] = k.size(2);
  a.bias = bias.defined() ? bias.data_ptr<float>() : nullptr;  // [B, Lk] in memory
  a.out = out.data_ptr<float>();
  a.out_batch = L * H * hd;
  a.out_row = H * hd;
  cpu::attention(a);
  return out.view({B, L, H * hd});
}

// softmax(q kᵀ + bias) v. q [B, H, L, hd] (already scaled by 1/√hd), k / v [B, Hkv, Lk, hd], bias
// [B, 1, 1, Lk] or undefined -> [B, L, H·hd]. Inference on CPU f32 takes the BLAS kernels above; CUDA
// takes LibTorch's fused kernels where this LibTorch has them (attention.hpp), all else the manual path.
torch::Tensor attention(const torch::Tensor& q, torch::Tensor k, torch::Tensor v, const torch::Tensor& bias,
                        bool infer) {
  if (infer && q.is_cpu() && q.scalar_type() == torch::kFloat32 && have_cpu_sgemm())
    return cpu_attention(q.contiguous(), k.contiguous(), unit_stride_rows(v), bias);
  if (q.is_cuda() && fused_attention_available()) return fused_attention(q, std::move(k), std::move(v), bias);
  return manual_attention(q, std::move(k), std::move(v), bias);
}

}  // namespace

void LLaDAModel::check_family() const {
  if (config_.family != ModelFamily::kLLaDA && config_.family != ModelFamily::kDream)
    throw InputError("config.json", 0, "model_type",
                     fmt::format("model_type '{}' is not supported by the model", family_name(config_.family)));
  // Dream's logit shift is part of the family, not a free switch (see llada.hpp).
  if (config_.logit_shift != (config_.family == ModelFamily::kDream))
    throw std::logic_error("LLaDAModel: logit_shift must be true exactly for Dream");
}

torch::Tensor& LLaDAModel::param(const std::string& name) {
  return config_.family == ModelFamily::kDream ? dream_param(name) : llada_param(name);
}

// Dream (Qwen2) names -> the same slots as LLaDA's (llada.hpp).
torch::Tensor& LLaDAModel::dream_param(const std::string& name) {
  if (name == "model.embed_tokens.weight") return wte_;
  if (name == "model.norm.weight") return ln_f_;
  if (name == "lm_head.weight") return lm_head_;
  static const std::string root = "model.layers.";
  if (name.rfind(root, 0) == 0) {
    const std::size_t dot = name.find('.', root.size());
    const std::size_t i = std::stoul(name.substr(root.size(), dot - root.size()));
    const std::string leaf = name.substr(dot + 1);
    LLaDABlock& b = blocks_.at(i);
    if (leaf == "input_layernorm.weight") return b.attn_norm;
    if (leaf == "self_attn.q_proj.weight") return b.q_proj;
    if (leaf == "self_attn.k_proj.weight") return b.k_proj;
    if (leaf == "self_attn.v_proj.weight") return b.v_proj;
    if (leaf == "self_attn.q_proj.bias") return b.q_bias;
    if (leaf == "self_attn.k_proj.bias") return b.k_bias;
    if (leaf == "self_attn.v_proj.bias") return b.v_bias;
    if (leaf == "self_attn.o_proj.weight") return b.attn_out;
    if (leaf == "post_attention_layernorm.weight") return b.ff_norm;
    if (leaf == "mlp.gate_proj.weight") return b.ff_proj;
    if (leaf == "mlp.up_proj.weight") return b.up_proj;
    if (leaf == "mlp.down_proj.weight") return b.ff_out;
  }
  throw std::logic_error("LLaDAModel: unknown Dream parameter " + name);
}

torch::Tensor& LLaDAModel::llada_param(const std::string& name) {
  static const std::string root = "model.transformer.";
  if (name.rfind(root, 0) != 0) throw std::logic_error("LLaDAModel: unknown parameter " + name);
  const std::string rest = name.substr(root.size());
  if (rest == "wte.weight") return wte_;
  if (rest == "ln_f.weight") return ln_f_;
  if (rest == "ff_out.weight") return lm_head_;
  if (rest.rfind("blocks.", 0) == 0) {
    const std::size_t dot = rest.find('.', 7);
    const std::size_t i = std::stoul(rest.substr(7, dot - 7));
    const std::string leaf = rest.substr(dot + 1);
    LLaDABlock& b = blocks_.at(i);
    if (leaf == "attn_norm.weight") return b.attn_norm;
    if (leaf == "q_proj.weight") return b.q_proj;
    if (leaf == "k_proj.weight") return b.k_proj;
    if (leaf == "v_proj.weight") return b.v_proj;
    if (leaf == "q_proj.bias") return b.q_bias;
    if (leaf == "k_proj.bias") return b.k_bias;
    if (leaf == "v_proj.bias") return b.v_bias;
    if (leaf == "attn_out.weight") return b.attn_out;
    if (leaf == "ff_norm.weight") return b.ff_norm;
    if (leaf == "ff_proj.weight") return b.ff_proj;
    if (leaf == "up_proj.weight") return b.up_proj;
    if (leaf == "ff_out.weight") return b.ff_out;
  }
  throw std::logic_error("LLaDAModel: unknown parameter " + name);
}

std::vector<std::pair<std::string, torch::Tensor>> LLaDAModel::named_parameters() const {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  auto* self = const_cast<LLaDAModel*>(this);
  for (const ck::TensorSpec& spec : expected_tensors(config_)) out.emplace_back(spec.name, self->param(spec.name));
  return out;
}

LLaDAModel LLaDAModel::init(const ModelConfig& config, std::uint64_t seed, const LoadOptions& options) {
  LLaDAModel m;
  m.config_ = config;
  m.check_family();
  validate_model_config(config, "config");
  m.blocks_.resize(static_cast<std::size_t>(config.n_layers));
  const bool mitchell = config.init_fn == "mitchell";
  if (!mitchell && config.init_fn != "normal")
    throw InputError("config.json", 0, "init_fn",
                     fmt::format("init_fn '{}' is not supported (expected mitchell or normal)", config.init_fn));
  at::Generator gen = at::detail::createCPUGenerator(seed);
  const double d = static_cast<double>(config.d_model), mh = static_cast<double>(config.mlp_hidden_size);
  for (const ck::TensorSpec& spec : expected_tensors(config)) {
    const std::vector<std::int64_t> shape(spec.shape.begin(), spec.shape.end());
    const std::string& n = spec.name;
    torch::Tensor t;
    auto ends_with = [&](const char* s) {
      const std::string suffix(s);
      return n.size() >= suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (ends_with("norm.weight") || ends_with("ln_f.weight")) {
      t = torch::ones(shape, torch::kFloat32);
    } else if (ends_with(".bias")) {
      t = torch::zeros(shape, torch::kFloat32);
    } else {
      double std = config.init_std;
      if (mitchell) {
        std = 1.0 / std::sqrt(d);
        const bool block = n.find(".blocks.") != std::string::npos;
        if (block && ends_with("attn_out.weight")) {
          std /= std::sqrt(2.0 * (std::stod(n.substr(n.find(".blocks.") + 8)) + 1.0));
        } else if (block && ends_with("ff_out.weight")) {
          std = 1.0 / std::sqrt(mh) / std::sqrt(2.0 * (std::stod(n.substr(n.find(".blocks.") + 8)) + 1.0));
        }
      }
      t = trunc_normal(shape, std, gen);
    }
    m.param(n) = t.to(options.device, options.dtype);
  }
  if (config.tied_embeddings) m.lm_head_ = m.wte_;
  return m;
}

LLaDAModel LLaDAModel::load(const std::string& dir, const LoadOptions& options) {
  return load(read_model_config(dir), dir, options);
}

namespace {
// LibTorch 1.13 has no f16 matrix product on the CPU ("addmm_impl_cpu_" not implemented for 'Half');
// later versions do. Asked of the library itself, once, rather than guessed from its version.
bool cpu_has_f16_matmul() {
  static const bool ok = [] {
    try {
      const torch::Tensor a = torch::ones({2, 2}, torch::kFloat16);
      (void)a.matmul(a);
      return true;
    } catch (const std::exception&) {
      return false;
    }
  }();
  return ok;
}
}  // namespace

LLaDAModel LLaDAModel::load(const ModelConfig& config, const std::string& checkpoint_path, const LoadOptions& options) {
  if (options.device.is_cpu() && options.dtype == torch::kFloat16 && !cpu_has_f16_matmul())
    throw UsageError(
        fmt::format("--dtype f16 on the CPU: LibTorch {} has no f16 matrix product on the CPU; use bf16 or f32 there "
                    "(f16 runs on a CUDA device)",
                    TORCH_VERSION));
  LLaDAModel m;
  m.config_ = config;
  m.check_family();
  m.blocks_.resize(static_cast<std::size_t>(config.n_layers));
  ck::Checkpoint ckpt = ck::Checkpoint::open(checkpoint_path);
  const ck::DTypeSet dtypes{ck::DType::kF32, ck::DType::kBf16, ck::DType::kF16};
  const std::vector<ck::TensorSpec> specs = expected_tensors(config);
  ckpt.check(specs, dtypes);  // every problem (missing / extra / shape / dtype) in one message
  for (const ck::TensorSpec& spec : specs)
    m.param(spec.name) = tensor_from_view(ckpt.expect(spec.name, dtypes, spec.shape), options);
  ckpt.reject_unused();
  if (config.tied_embeddings) m.lm_head_ = m.wte_;
  return m;
}

void LLaDAModel::save(const std::string& dir, torch::ScalarType disk_dtype, std::uint64_t max_shard_bytes) const {
  const ck::DType dt = disk_dtype_of(disk_dtype);
  std::filesystem::create_directories(dir);
  std::vector<torch::Tensor> keep;
  std::vector<ck::TensorToWrite> tensors;
  for (const auto& [name, p] : named_parameters()) {
    torch::Tensor t = p.detach().to(torch::kCPU, disk_dtype).contiguous();
    keep.push_back(t);
    ck::TensorToWrite w;
    w.name = name;
    w.dtype = dt;
    w.shape = ck::Shape(t.sizes().begin(), t.sizes().end());
    w.data = t.data_ptr();
    w.nbytes = t.numel() * t.element_size();
    tensors.push_back(std::move(w));
  }
  ck::ShardingOptions sharding;
  sharding.max_shard_bytes = max_shard_bytes;
  ck::write_sharded(dir, tensors, sharding);
  write_model_config((std::filesystem::path(dir) / "config.json").string(), config_);
}

torch::Tensor LLaDAModel::forward(const torch::Tensor& ids, const torch::Tensor& attention_mask,
                                  std::int64_t logits_start, std::int64_t logits_len) const {
  return run(ids, attention_mask, logits_start, logits_len, /*lm_head=*/true);
}

torch::Tensor LLaDAModel::hidden_states(const torch::Tensor& ids, const torch::Tensor& attention_mask) const {
  return run(ids, attention_mask, 0, -1, /*lm_head=*/false);
}

torch::Tensor LLaDAModel::forward_cached(const torch::Tensor& ids, const torch::Tensor& attention_mask,
                                         const KVCache& cache, std::int64_t logits_start, std::int64_t logits_len,
                                         KVCache* refill, std::int64_t refill_length) const {
  return run(ids, attention_mask, logits_start, logits_len, /*lm_head=*/true, &cache, refill, refill_length);
}

std::shared_ptr<const PackedWeights> LLaDAModel::inference_pack() const {
  InferencePack& p = *pack_;
  std::lock_guard<std::mutex> lock(p.mutex);
  if (p.too_large) return nullptr;
  // The weights the pack is made of, in a fixed order; unchanged pointers and versions = still valid.
  std::vector<const void*> data;
  std::vector<std::int64_t> version;
  auto note = [&](const torch::Tensor& t) {
    data.push_back(t.defined() ? t.data_ptr() : nullptr);
    // Inference tensors (made under InferenceMode) have no version counter; they cannot be changed
    // in place outside InferenceMode either, where no trainer runs.
    version.push_back(t.defined() && !t.is_inference() ? static_cast<std::int64_t>(t._version()) : -1);
  };
  std::int64_t bytes = lm_head_.numel() * lm_head_.element_size();
  for (const LLaDABlock& b : blocks_) {
    for (const torch::Tensor* t : {&b.attn_norm, &b.q_proj, &b.k_proj, &b.v_proj, &b.q_bias, &b.k_bias, &b.v_bias,
                                   &b.ff_norm, &b.ff_proj, &b.up_proj})
      note(*t);
    bytes += (b.q_proj.numel() + b.k_proj.numel() + b.v_proj.numel() + b.ff_proj.numel() + b.up_proj.numel()) *
             b.q_proj.element_size();
  }
  note(ln_f_);
  note(lm_head_);
  if (p.current && data == p.current->source_data && version == p.current->source_version) return p.current;
  if (bytes > kInferencePackMaxBytes) {  // large models: their products are big enough without stacking
    p.too_large = true;
    p.current.reset();
    return nullptr;
  }
  c10::InferenceMode inference;
  auto w = std::make_shared<PackedWeights>();
  for (const LLaDABlock& b : blocks_) {
    PackedWeights::Block pb;
    pb.qkv = fold_norm(torch::cat({b.q_proj, b.k_proj, b.v_proj}), b.attn_norm);
    if (b.q_bias.defined()) pb.qkv_bias = torch::cat({b.q_bias, b.k_bias, b.v_bias});
    pb.gate_up = fold_norm(torch::cat({b.ff_proj, b.up_proj}), b.ff_norm);
    w->blocks.push_back(std::move(pb));
  }
  w->lm_head = fold_norm(lm_head_, ln_f_);
  w->source_data = std::move(data);
  w->source_version = std::move(version);
  p.current = w;
  return w;
}

torch::Tensor LLaDAModel::run(const torch::Tensor& ids, const torch::Tensor& attention_mask, std::int64_t logits_start,
                              std::int64_t logits_len, bool lm_head, const KVCache* cache, KVCache* refill,
                              std::int64_t refill_length) const {
  // Rows of a batch never interact, so a batch can be cut into chunks of rows. For small models
  // without autograd on CPU this pays twice (measured on the tiny model, d 128, mlp 384, L 96):
  //  * cache: at batch 64 the [B·L, 2·mlp] activations (19 MB) stream through memory between
  //    products; in chunks of ~768 tokens they stay in cache (1 thread: 2.73 -> 2.32 ms per row);
  //  * threads: one chunk per thread, each with single-threaded BLAS, instead of every product split
  //    over the threads (products of this size barely gain from a second BLAS thread, and the
  //    element-wise work between them ran on one).
  // Large models (no inference pack) keep one pass: their weights, not activations, are the traffic.
  TORCH_CHECK(ids.dim() == 2, "LLaDAModel::forward: ids must be [B, L]");
  // Small models without an adapter, autograd off: stacked weights with the norms folded in (fewer,
  // larger products; at batch 1 the per-operation overhead is a visible share of a step). Looked up
  // once here and handed to every chunk.
  const std::shared_ptr<const PackedWeights> pack =
      !torch::GradMode::is_enabled() && !adapter_ ? inference_pack() : nullptr;
  const std::int64_t B = ids.size(0), Lk = ids.size(1) + (cache && !cache->empty() ? cache->length : 0);
  if (!pack || !device().is_cpu() || B <= 1)
    return run_rows(ids, attention_mask, logits_start, logits_len, lm_head, cache, refill, refill_length, pack);
  // The raw forward (run_rows_cpu) spreads the rows over the threads itself, one row at a time.
  if (lm_head && raw_cpu_forward_ok())
    return run_rows(ids, attention_mask, logits_start, logits_len, lm_head, cache, refill, refill_length, pack);
  const int threads = task_threads();
  // ~2.25 MiB of the widest activation (gate|up, 2·mlp floats per token) per chunk, at least one row;
  // with several threads, at most B / threads rows so that every thread gets a chunk.
  const std::int64_t tokens = (std::int64_t{9} << 18) / (8 * std::max<std::int64_t>(config_.mlp_hidden_size, 1));
  std::int64_t rows = std::max<std::int64_t>(1, tokens / std::max<std::int64_t>(Lk, 1));
  rows = std::min(rows, (B + threads - 1) / threads);
  const std::int64_t chunks = (B + rows - 1) / rows;
  if (chunks == 1)
    return run_rows(ids, attention_mask, logits_start, logits_len, lm_head, cache, refill, refill_length, pack);

  std::vector<torch::Tensor> out(static_cast<std::size_t>(chunks));
  std::vector<KVCache> refills(static_cast<std::size_t>(chunks));
  auto run_chunk = [&](std::int64_t i) {
    const std::int64_t b0 = i * rows, n = std::min(rows, B - b0);
    KVCache sub;
    if (cache && !cache->empty()) {
      sub.length = cache->length;
      for (std::size_t l = 0; l < cache->k.size(); ++l) {
        sub.k.push_back(cache->k[l].narrow(0, b0, n));
        sub.v.push_back(cache->v[l].narrow(0, b0, n));
      }
    }
    out[static_cast<std::size_t>(i)] =
        run_rows(ids.narrow(0, b0, n), attention_mask.defined() ? attention_mask.narrow(0, b0, n) : attention_mask,
                 logits_start, logits_len, lm_head, cache ? &sub : nullptr,
                 refill ? &refills[static_cast<std::size_t>(i)] : nullptr, refill_length, pack);
  };
  // Which thread runs a chunk does not change its result: BLAS is single-threaded meanwhile.
  parallel_tasks(threads, chunks, run_chunk);
  if (refill) {
    refill->length = refills.front().length;
    refill->k.clear();
    refill->v.clear();
    for (std::size_t l = 0; l < refills.front().k.size(); ++l) {
      std::vector<torch::Tensor> ks, vs;
      for (const KVCache& r : refills) {
        ks.push_back(r.k[l]);
        vs.push_back(r.v[l]);
      }
      refill->k.push_back(torch::cat(ks, 0));
      refill->v.push_back(torch::cat(vs, 0));
    }
  }
  return torch::cat(out, 0);
}

torch::Tensor LLaDAModel::run_rows(const torch::Tensor& ids_in, const torch::Tensor& attention_mask,
                                   std::int64_t logits_start, std::int64_t logits_len, bool lm_head,
                                   const KVCache* cache, KVCache* refill, std::int64_t refill_length,
                                   const std::shared_ptr<const PackedWeights>& pack) const {
  const ModelConfig& c = config_;
  const torch::Tensor ids = ids_in.to(device(), torch::kLong);
  // L query positions [P, P + L) after P cached ones; keys cover [0, Lk).
  const std::int64_t P = cache && !cache->empty() ? cache->length : 0;
  const std::int64_t B = ids.size(0), L = ids.size(1), Lk = P + L, H = c.n_heads, Hkv = c.n_kv_heads, hd = c.head_dim();
  if (logits_len < 0) logits_len = L - logits_start;
  TORCH_CHECK(logits_start >= 0 && logits_start + logits_len <= L, "LLaDAModel::forward: logits slice out of range");
  const bool shift = lm_head && c.logit_shift;
  TORCH_CHECK(!(shift && P > 0 && logits_start == 0 && logits_len > 0),
              "LLaDAModel::forward_cached: with the logit shift the first query's hidden state is not cached");
  TORCH_CHECK(refill_length >= 0 && refill_length <= Lk, "LLaDAModel::forward_cached: refill_length out of range");
  if (P > 0)
    TORCH_CHECK(static_cast<std::int64_t>(cache->k.size()) == c.n_layers && cache->k[0].size(0) == B,
                "LLaDAModel::forward_cached: cache does not match the batch");
  TORCH_CHECK(!attention_mask.defined() ||
                  (attention_mask.dim() == 2 && attention_mask.size(0) == B && attention_mask.size(1) == Lk),
              "LLaDAModel::forward: attention_mask must be [B, L] over the whole sequence");
  if (pack && lm_head && ids.numel() > 0 && raw_cpu_forward_ok()) {
    torch::Tensor logits =
        run_rows_cpu(ids, attention_mask, logits_start, logits_len, cache, refill, refill_length, *pack);
    if (logits.defined()) return logits;  // undefined: a row with a hole in its mask, or no real token
  }

  // Key-padding bias [B, 1, 1, Lk] (fp32), only when some key is padding.
  torch::Tensor bias, keep;
  if (attention_mask.defined()) {
    keep = attention_mask.to(device()).to(torch::kBool);
    if (!keep.all().item<bool>()) {
      bias = torch::zeros({B, 1, 1, Lk}, torch::TensorOptions().device(device()).dtype(torch::kFloat32))
                 .masked_fill(keep.logical_not().view({B, 1, 1, Lk}), std::numeric_limits<float>::lowest());
    } else {
      keep = torch::Tensor();
    }
  }
  // RoPE tables [1 or B, 1, L, hd] in fp32 for the query positions: inv_freq = theta^(-2i/hd),
  // emb = cat(freqs, freqs). Positions 0..Lk-1, or with padding cumsum(mask) - 1 (pads 1).
  const auto f32 = torch::TensorOptions().device(device()).dtype(torch::kFloat32);
  torch::Tensor inv_freq = 1.0 / torch::pow(c.rope_theta, torch::arange(0, hd, 2, f32) / static_cast<double>(hd));
  torch::Tensor pos = torch::arange(P, Lk, f32).view({1, L, 1});
  if (keep.defined())
    pos = (keep.to(torch::kLong).cumsum(1) - 1)
              .masked_fill(keep.logical_not(), 1)
              .narrow(1, P, L)
              .to(torch::kFloat32)
              .view({B, L, 1});
  const torch::Tensor freqs = (pos * inv_freq).unsqueeze(1);  // [1 or B, 1, L, hd/2]
  const torch::Tensor cos_half = freqs.cos(), sin_half = freqs.sin();
  const torch::Tensor cos = torch::cat({cos_half, cos_half}, -1);          // [1 or B, 1, L, hd]
  const torch::Tensor sin_signed = torch::cat({-sin_half, sin_half}, -1);  // see apply_rope
  // The attention scale 1/√hd rides on the queries' tables (no pass over the [L, Lk] scores).
  const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
  const torch::Tensor q_cos = cos * scale, q_sin = sin_signed * scale;
  // No autograd (sampling, scoring): temporaries are reused in place (rms_norm, apply_rope, SwiGLU,
  // residuals) and attention takes its BLAS path.
  const bool infer = !torch::GradMode::is_enabled();
  std::vector<torch::Tensor> refill_k, refill_v;

  // linear(x, W, b), through the adapter (LoRA) when one is set.
  std::int64_t layer = 0;
  auto proj = [&](Projection p, const torch::Tensor& in, const torch::Tensor& w, const torch::Tensor& bias_) {
    torch::Tensor y = torch::linear(in, w, bias_);
    return adapter_ ? adapter_->adapt(layer, p, in, y) : y;
  };

  torch::Tensor x = torch::embedding(wte_, ids);  // [B, L, D]
  for (const LLaDABlock& b : blocks_) {
    torch::Tensor q, k, v;
    if (pack) {  // one product for q, k and v, attn_norm folded in; views [B, L, heads, hd] into it
      const PackedWeights::Block& pb = pack->blocks[static_cast<std::size_t>(layer)];
      const torch::Tensor qkv = torch::linear(rms_norm(x, {}, c.rms_norm_eps, infer), pb.qkv, pb.qkv_bias);
      q = qkv.narrow(-1, 0, H * hd).view({B, L, H, hd}).transpose(1, 2);           // [B, H, L, hd]
      k = qkv.narrow(-1, H * hd, Hkv * hd).view({B, L, Hkv, hd}).transpose(1, 2);  // [B, Hkv, L, hd]
      v = qkv.narrow(-1, (H + Hkv) * hd, Hkv * hd).view({B, L, Hkv, hd}).transpose(1, 2);
    } else {
      torch::Tensor xn = rms_norm(x, b.attn_norm, c.rms_norm_eps, infer);
      q = proj(Projection::kQProj, xn, b.q_proj, b.q_bias).view({B, L, H, hd}).transpose(1, 2);    // [B, H, L, hd]
      k = proj(Projection::kKProj, xn, b.k_proj, b.k_bias).view({B, L, Hkv, hd}).transpose(1, 2);  // [B, Hkv, L, hd]
      v = proj(Projection::kVProj, xn, b.v_proj, b.v_bias).view({B, L, Hkv, hd}).transpose(1, 2);
    }
    q = apply_rope(q, q_cos, q_sin, infer);
    k = apply_rope(k, cos, sin_signed, infer);
    if (P > 0) {  // cached prefix keys first: [B, Hkv, Lk, hd]
      k = torch::cat({cache->k[static_cast<std::size_t>(layer)], k}, 2);
      v = torch::cat({cache->v[static_cast<std::size_t>(layer)], v}, 2);
    }
    if (refill) {  // padded positions 0, as the raw forward leaves them (their keys are masked wherever read)
      torch::Tensor rk = k.narrow(2, 0, refill_length), rv = v.narrow(2, 0, refill_length);
      if (keep.defined()) {
        const torch::Tensor pad = keep.narrow(1, 0, refill_length).logical_not().view({B, 1, refill_length, 1});
        rk = rk.masked_fill(pad, 0);
        rv = rv.masked_fill(pad, 0);
      }
      refill_k.push_back(rk);
      refill_v.push_back(rv);
    }
    const torch::Tensor att = attention(q, k, v, bias, infer);  // [B, L, H·hd]
    torch::Tensor att_out = proj(Projection::kAttnOut, att, b.attn_out, {});
    x = infer ? x.add_(att_out) : x + att_out;
    torch::Tensor gate, up;
    if (pack) {  // one product for gate and up, ff_norm folded in
      const torch::Tensor gu = torch::linear(rms_norm(x, {}, c.rms_norm_eps, infer),
                                             pack->blocks[static_cast<std::size_t>(layer)].gate_up);  // [B, L, 2·mlp]
      const std::int64_t m = gu.size(-1) / 2;
      gate = gu.narrow(-1, 0, m);
      up = gu.narrow(-1, m, m);
    } else {
      const torch::Tensor hn = rms_norm(x, b.ff_norm, c.rms_norm_eps, infer);
      gate = proj(Projection::kFfProj, hn, b.ff_proj, {});
      up = proj(Projection::kUpProj, hn, b.up_proj, {});
    }
    torch::Tensor mlp = infer ? torch::silu_(gate).mul_(up) : torch::silu(gate) * up;
    torch::Tensor ff = proj(Projection::kFfOut, mlp, b.ff_out, {});
    x = infer ? x.add_(ff) : x + ff;
    ++layer;
  }
  if (refill) {
    refill->length = refill_length;
    refill->k = std::move(refill_k);
    refill->v = std::move(refill_v);
  }
  if (shift) {
    // Dream: the prediction for position p is read from hidden state p - 1 (p = 0: its own).
    if (logits_start > 0)
      x = x.narrow(1, logits_start - 1, logits_len);
    else if (logits_len > 0)
      x = torch::cat({x.narrow(1, 0, 1), x.narrow(1, 0, logits_len - 1)}, 1);
  } else if (logits_start != 0 || logits_len != L) {
    x = x.narrow(1, logits_start, logits_len);
  }
  if (pack && lm_head) return torch::linear(rms_norm(x, {}, c.rms_norm_eps, infer), pack->lm_head);  // ln_f folded
  x = rms_norm(x, ln_f_, c.rms_norm_eps, infer);                                                     // [B, n, D]
  return lm_head ? torch::linear(x, lm_head_) : x;  // [B, n, E] or [B, n, D]
}

}  // namespace trafl::model
