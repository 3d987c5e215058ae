#pragma once
// The LLaDA and Dream architectures in LibTorch (docs/engine.md §1), written
// out nanoGPT-style as plain tensors with the Hugging Face parameter names, so that one loader serves
// LLaDA-8B / Dream-7B and the tiny from-scratch models alike. `LLaDAModel` is the one model class of
// the engine; config().family picks the tensor names and the two behaviours that differ.
//
// Per block (pre-norm, residual; no biases unless include_qkv_bias / Dream):
//   xn = RMSNorm_attn(x)                         RMSNorm: fp32 statistics, cast back, then * weight
//   q,k,v = q_proj(xn), k_proj(xn), v_proj(xn)   [B,L,H*hd], [B,L,Hkv*hd] -> [B,H,L,hd]
//   q,k  <- RoPE (split halves / NeoX layout, computed in fp32)
//   att  = softmax(q kᵀ/√hd + key_padding_bias) v   fully bidirectional; scores + softmax in fp32;
//          bias = finfo(f32).min at padded keys (pad queries still attend to real keys, as HF)
//   x   += attn_out(att)
//   x   += ff_out(silu(ff_proj(ff_norm(x))) * up_proj(ff_norm(x)))
// logits = ff_out_lm(ln_f(x)), ff_out_lm = model.transformer.ff_out (or wte when weight_tying).
// GQA (n_kv_heads < n_heads) repeats each KV head n_heads/n_kv_heads times (repeat_interleave, as
// HF's repeat_kv).
// Positions: with padding, position ids are cumsum(mask) - 1 (pads 1), as Dream's generation code
// does, for both families: a padded row gets the RoPE positions it has alone. (LLaDA's reference uses
// 0..L-1 for every row; with left padding that shifts a prompt's positions by a constant, which RoPE
// makes invisible up to rounding since q·k depends only on position differences. Counting from the
// row's first real token removes even the rounding difference.)
//
// Dream (Qwen2 names: model.embed_tokens, model.layers.{i}.self_attn.{q,k,v,o}_proj, mlp.{gate,up,
// down}_proj, input_/post_attention_layernorm, model.norm, lm_head) is the same computation with q/k/v
// biases, and differs in one place:
//   * logit shift: Dream's hidden state i-1 predicts token i (generation_utils.py and eval.py do
//     logits = cat([logits[:, :1], logits[:, :-1]], 1)). forward() applies the shift itself, so its
//     result is always "the prediction FOR each requested position" and samplers / ELBO / trainers
//     never see the difference (position 0 reuses hidden state 0, as Dream; it is never predicted).
#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/config.hpp"

namespace trafl::model {

// "cpu" / "cuda" / "cuda:N" -> device; UsageError when cuda is asked for but unavailable.
torch::Device parse_device(const std::string& name);
// "f32" / "bf16" / "f16" (also "float32", "bfloat16", "float16") -> dtype; UsageError otherwise.
torch::ScalarType parse_dtype(const std::string& name);

struct LLaDABlock {
  torch::Tensor attn_norm, q_proj, k_proj, v_proj, attn_out;  // weights [out, in]
  torch::Tensor q_bias, k_bias, v_bias;                       // undefined unless include_qkv_bias
  torch::Tensor ff_norm, ff_proj, up_proj, ff_out;
};

// Keys/values of a prefix of the sequence, per layer (Fast-dLLM's prefix cache, §2.3): k and v are
// [B, n_kv_heads, length, head_dim] in the model dtype, k with RoPE already applied (positions do
// not change, so the rotation is done once), before the GQA repeat.
struct KVCache {
  std::int64_t length = 0;
  std::vector<torch::Tensor> k, v;
  bool empty() const { return k.empty(); }
};

struct LoadOptions {
  torch::Device device = torch::kCPU;
  torch::ScalarType dtype = torch::kFloat32;
  // CPU only: when a tensor is stored aligned in the requested dtype, use the memory map directly
  // (read-only, no copy; for inference on 8B checkpoints). Writes to such weights would crash.
  bool zero_copy = false;
};

// The block projections, for adapters (LoRA) that hook into them.
enum class Projection { kQProj, kKProj, kVProj, kAttnOut, kFfProj, kUpProj, kFfOut };

// An optional hook on the block projections (LoRA: src/training/lora.hpp). forward computes
// y = linear(x, W, b) [.., out] from x [.., in], then y = adapter.adapt(layer, projection, x, y).
// Held by shared pointer so that a shallow copy of the model (a frozen reference sharing the base
// weights) can drop it with set_adapter(nullptr).
class LinearAdapter {
 public:
  virtual ~LinearAdapter() = default;
  virtual torch::Tensor adapt(std::int64_t layer, Projection projection, const torch::Tensor& x,
                              const torch::Tensor& y) const = 0;
};

// Inference-only copies of a small model's weights in the layout the no-autograd forward wants
// (LLaDAModel::inference_pack): per block [q; k; v] and [ff_proj; up_proj] stacked into one matrix each,
// with the RMSNorm weight in front of them folded into their columns, and ln_f folded into the LM
// head. Built on first use, rebuilt when a weight changes (tensor version counters), never for
// models where the copy would exceed kInferencePackMaxBytes.
inline constexpr std::int64_t kInferencePackMaxBytes = 256LL << 20;
struct PackedWeights {
  struct Block {
    torch::Tensor qkv;       // [(H + 2·Hkv)·hd, D], columns scaled by attn_norm
    torch::Tensor qkv_bias;  // [(H + 2·Hkv)·hd] or undefined
    torch::Tensor gate_up;   // [2·mlp, D], columns scaled by ff_norm
  };
  std::vector<const void*> source_data;      // the weights it was built from: data pointers ...
  std::vector<std::int64_t> source_version;  // ... and version counters (in-place updates bump them)
  std::vector<Block> blocks;
  torch::Tensor lm_head;  // [E, D], columns scaled by ln_f
};
struct InferencePack {
  std::mutex mutex;                              // guards the two fields below (built lazily from const forwards)
  bool too_large = false;                        // decided once: the model never gets a pack
  std::shared_ptr<const PackedWeights> current;  // immutable once built; a forward keeps its own reference
};

class LLaDAModel {
 public:
  // From-scratch weights (f32 on CPU, deterministic in `seed`), then moved to device/dtype.
  //   init_fn "mitchell" (LLaDA init_weights): trunc_normal(0, std, ±3std) with std = 1/sqrt(d_model)
  //     for wte, the LM head and q/k/v/ff_proj/up_proj; 1/sqrt(d_model)/sqrt(2(i+1)) for attn_out of
  //     block i; 1/sqrt(mlp_hidden)/sqrt(2(i+1)) for ff_out of block i.
  //   init_fn "normal": trunc_normal(0, init_std, ±3·init_std) for every matrix.
  //   Norm weights 1, biases 0. Other init_fn values -> InputError naming the key.
  static LLaDAModel init(const ModelConfig& config, std::uint64_t seed, const LoadOptions& options = {});
  // config.json + safetensors (single or sharded) in a directory. Every parameter through
  // Checkpoint::expect (BF16/F16/F32 on disk, converted to options.dtype), then reject_unused();
  // a missing, extra, mis-shaped or truncated tensor is an InputError naming it.
  static LLaDAModel load(const std::string& dir, const LoadOptions& options = {});
  static LLaDAModel load(const ModelConfig& config, const std::string& checkpoint_path, const LoadOptions& options);

  // Writes config.json + model.safetensors (sharded past max_shard_bytes) in HF layout, tensors in
  // `disk_dtype` (kFloat32 / kBFloat16 / kFloat16).
  void save(const std::string& dir, torch::ScalarType disk_dtype = torch::kFloat32,
            std::uint64_t max_shard_bytes = 5'000'000'000ULL) const;

  // ids [B, L] (int64, any device) and optional attention_mask [B, L] (1 = real token, 0 = pad;
  // bool or integer) -> logits [B, n, embedding_size] in the model dtype, for positions
  // [logits_start, logits_start + n) (n = logits_len, or L - logits_start when < 0): the LM head
  // runs only there.
  torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& attention_mask = {},
                        std::int64_t logits_start = 0, std::int64_t logits_len = -1) const;

  // forward() with a prefix cache. `cache` holds K/V of positions [0, P) (P = cache.length; empty:
  // P = 0); `ids` [B, Lq] are positions [P, P + Lq); attention_mask is [B, P + Lq] over the whole
  // sequence (or undefined). The queries attend to the cached keys plus their own, so the result is
  // forward() of the whole sequence exactly when the cached K/V are still what the current prefix
  // would produce (bidirectional attention: a cache made before later tokens changed is stale; that
  // is Fast-dLLM's approximation). logits_start is relative to ids; with a logit shift (Dream) the
  // first requested position must not be ids' first one when P > 0 (its hidden state is not cached).
  // When `refill` is given, it receives the K/V of positions [0, refill_length) of this call's
  // sequence (cached prefix + ids), ready for the next calls.
  torch::Tensor forward_cached(const torch::Tensor& ids, const torch::Tensor& attention_mask, const KVCache& cache,
                               std::int64_t logits_start, std::int64_t logits_len, KVCache* refill = nullptr,
                               std::int64_t refill_length = 0) const;

  // The final hidden states after ln_f (what the LM head sees): [B, L, D] in the model dtype,
  // differentiable. Used by heads on pooled states (TraFL's log Z_φ).
  torch::Tensor hidden_states(const torch::Tensor& ids, const torch::Tensor& attention_mask = {}) const;

  // Every parameter with its HF name, in expected_tensors() order (tied LM head omitted).
  std::vector<std::pair<std::string, torch::Tensor>> named_parameters() const;

  void set_adapter(std::shared_ptr<const LinearAdapter> adapter) { adapter_ = std::move(adapter); }
  const std::shared_ptr<const LinearAdapter>& adapter() const { return adapter_; }

  const ModelConfig& config() const { return config_; }
  torch::Device device() const { return wte_.device(); }
  torch::ScalarType dtype() const { return wte_.scalar_type(); }

 private:
  LLaDAModel() = default;
  void check_family() const;
  // forward() and hidden_states(): the blocks, ln_f on the slice, then the LM head when lm_head.
  // forward_cached(): the same with a prefix cache (cache may be null = none, refill may be null).
  // Without autograd on CPU, a small model's batch goes through the raw forward row by row (rows
  // spread over the CPU threads), or where that does not apply in chunks of rows (run_rows per chunk);
  // otherwise run_rows on the whole batch.
  torch::Tensor run(const torch::Tensor& ids, const torch::Tensor& attention_mask, std::int64_t logits_start,
                    std::int64_t logits_len, bool lm_head, const KVCache* cache = nullptr, KVCache* refill = nullptr,
                    std::int64_t refill_length = 0) const;
  // `pack`: run()'s inference_pack(), or null for the unpacked weights (autograd on, adapter, large model).
  torch::Tensor run_rows(const torch::Tensor& ids, const torch::Tensor& attention_mask, std::int64_t logits_start,
                         std::int64_t logits_len, bool lm_head, const KVCache* cache, KVCache* refill,
                         std::int64_t refill_length, const std::shared_ptr<const PackedWeights>& pack) const;
  // run_rows' no-autograd f32 CPU path with the pack and the LM head (llada_cpu.cpp): the same
  // function on raw buffers, ~20 tensor operations per forward instead of ~200, each row computed
  // alone at its own unpadded length with single-threaded BLAS, the rows spread over the threads, so
  // that a row's logits are the same bits whatever its batch-mates, padding and thread count
  // (docs/reproducibility.md). Arguments as run_rows, already checked there. Returns an undefined
  // tensor (the caller then takes the tensor path) when a row's real tokens are not one run or
  // there are none.
  torch::Tensor run_rows_cpu(const torch::Tensor& ids, const torch::Tensor& attention_mask, std::int64_t logits_start,
                             std::int64_t logits_len, const KVCache* cache, KVCache* refill, std::int64_t refill_length,
                             const PackedWeights& pack) const;
  // Whether run_rows_cpu applies: f32 on CPU, a BLAS to call, contiguous weights.
  bool raw_cpu_forward_ok() const;
  torch::Tensor& param(const std::string& name);  // by HF name
  torch::Tensor& llada_param(const std::string& name);
  torch::Tensor& dream_param(const std::string& name);
  ModelConfig config_;
  torch::Tensor wte_, ln_f_, lm_head_;  // lm_head_ aliases wte_ when tied
  std::vector<LLaDABlock> blocks_;
  std::shared_ptr<const LinearAdapter> adapter_;  // null = plain model
  // The current pack, or null when the model is too large for one (see InferencePack). Shared by
  // shallow copies (same weights); a copy whose weights differ just rebuilds it.
  std::shared_ptr<const PackedWeights> inference_pack() const;
  std::shared_ptr<InferencePack> pack_ = std::make_shared<InferencePack>();
};

}  // namespace trafl::model
