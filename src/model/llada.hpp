#pragma once
// The LLaDA architecture in LibTorch (../shared/docs/dllm-engine.md §1.2/§1.3), written out
// nanoGPT-style as plain tensors with the Hugging Face parameter names, so that one loader serves
// LLaDA-8B and the tiny from-scratch models alike.
//
// Per block (pre-norm, residual; no biases unless include_qkv_bias):
//   xn = RMSNorm_attn(x)                         RMSNorm: fp32 statistics, cast back, then * weight
//   q,k,v = q_proj(xn), k_proj(xn), v_proj(xn)   [B,L,H*hd], [B,L,Hkv*hd] -> [B,H,L,hd]
//   q,k  <- RoPE (split halves / NeoX layout, computed in fp32, positions 0..L-1)
//   att  = softmax(q kᵀ/√hd + key_padding_bias) v   fully bidirectional; scores + softmax in fp32;
//          bias = finfo(f32).min at padded keys (pad queries still attend to real keys, as HF)
//   x   += attn_out(att)
//   x   += ff_out(silu(ff_proj(ff_norm(x))) * up_proj(ff_norm(x)))
// logits = ff_out_lm(ln_f(x)), ff_out_lm = model.transformer.ff_out (or wte when weight_tying).
// GQA (n_kv_heads < n_heads) repeats each KV head n_heads/n_kv_heads times (repeat_interleave).
//
// Positions are 0..L-1 for every row, as in the reference: with left padding the prompt's positions
// shift, which RoPE makes (numerically almost) invisible because q·k depends only on differences.
#include <torch/torch.h>

#include <cstdint>
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

struct LoadOptions {
  torch::Device device = torch::kCPU;
  torch::ScalarType dtype = torch::kFloat32;
  // CPU only: when a tensor is stored aligned in the requested dtype, use the memory map directly
  // (read-only, no copy; for inference on 8B checkpoints). Writes to such weights would crash.
  bool zero_copy = false;
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

  // Every parameter with its HF name, in expected_tensors() order (tied LM head omitted).
  std::vector<std::pair<std::string, torch::Tensor>> named_parameters() const;

  const ModelConfig& config() const { return config_; }
  torch::Device device() const { return wte_.device(); }
  torch::ScalarType dtype() const { return wte_.scalar_type(); }

 private:
  LLaDAModel() = default;
  void check_family() const;
  torch::Tensor& param(const std::string& name);  // by HF name
  ModelConfig config_;
  torch::Tensor wte_, ln_f_, lm_head_;  // lm_head_ aliases wte_ when tied
  std::vector<LLaDABlock> blocks_;
};

}  // namespace trafl::model
