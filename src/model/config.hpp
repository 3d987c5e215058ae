#pragma once
// Hugging Face `config.json` for the supported diffusion LMs, torch-free.
//
//   LLaDA  (model_type "llada", OLMo-style keys: d_model, n_heads, n_kv_heads, n_layers, mlp_hidden_size, ...)
//   Dream  (model_type "Dream", Qwen2-style keys: hidden_size, num_attention_heads, intermediate_size, ...)
//
// Both map onto one plain struct with LLaDA-flavoured field names (see the per-field comments for
// the Dream key). Key policy (docs/engine.md §2):
//   * required keys (the architecture sizes, rope_theta, mask_token_id, and for LLaDA the
//     architecture switches whose reference default we do not implement: activation_type,
//     block_type, layer_norm_type, rope, weight_tying): missing -> InputError naming the key;
//   * known keys with a value this engine does not implement (alibi: true, block_type "sequential",
//     activation_type other than "silu", include_bias: true, scale_logits: true, rope_scaling,
//     sliding windows, quantization_config, ...) -> InputError naming the key and the value;
//   * known but irrelevant keys (dropout, init_device, flash_attention, transformers_version, the
//     generic PretrainedConfig keys, ...) -> accepted silently;
//   * unknown keys -> accepted, and listed in ModelConfig::warnings (HF configs carry many extras;
//     the CLI should print them so a typo does not go unnoticed).
// Type errors (a string where an integer is needed, ...) are InputErrors naming the key.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "checkpoint/checkpoint.hpp"

namespace trafl::model {

enum class ModelFamily { kLLaDA, kDream };
std::string_view family_name(ModelFamily family);  // "llada" / "Dream" (the config's model_type)

struct ModelConfig {
  ModelFamily family = ModelFamily::kLLaDA;
  std::int64_t d_model = 0;              // Dream: hidden_size
  std::int64_t n_layers = 0;             // Dream: num_hidden_layers
  std::int64_t n_heads = 0;              // Dream: num_attention_heads
  std::int64_t n_kv_heads = 0;           // effective KV heads (GQA when < n_heads). Dream: num_key_value_heads
  std::int64_t mlp_hidden_size = 0;      // LLaDA: mlp_hidden_size or mlp_ratio*d_model. Dream: intermediate_size
  std::int64_t vocab_size = 0;           // tokenizer vocabulary
  std::int64_t embedding_size = 0;       // rows of the embedding / LM head (>= vocab_size). Dream: = vocab_size
  std::int64_t max_sequence_length = 0;  // Dream: max_position_embeddings
  double rope_theta = 10000.0;
  double rms_norm_eps = 1e-5;
  bool qkv_bias = false;         // LLaDA: include_qkv_bias. Dream: always true (q/k/v have biases, o_proj not)
  bool tied_embeddings = false;  // LLaDA: weight_tying. Dream: tie_word_embeddings. LM head = embedding when true
  bool logit_shift = false;      // Dream: true (position i is predicted from hidden state i-1); LLaDA: false

  std::int64_t mask_token_id = -1;
  std::vector<std::int64_t> eos_token_ids;  // eos_token_id (an int or a list in HF configs); may be empty
  std::optional<std::int64_t> pad_token_id;
  std::optional<std::int64_t> bos_token_id;

  // Training-side values (inference ignores them).
  double attention_dropout = 0.0;
  double residual_dropout = 0.0;     // LLaDA only
  double embedding_dropout = 0.0;    // LLaDA only
  std::string init_fn = "mitchell";  // LLaDA init_fn; Dream: "normal"
  double init_std = 0.02;            // LLaDA init_std; Dream: initializer_range

  std::vector<std::string> warnings;  // unknown keys, one message each (not part of equality)

  std::int64_t head_dim() const { return n_heads > 0 ? d_model / n_heads : 0; }
  bool operator==(const ModelConfig& other) const;
  bool operator!=(const ModelConfig& other) const { return !(*this == other); }
};

// Parses a config object; `file` names the source in errors. Validates (see validate_model_config).
ModelConfig parse_model_config(const nlohmann::json& config, const std::string& file);
// Reads `path` (a config.json, or a directory holding one).
ModelConfig read_model_config(const std::string& path);
// Consistency checks (positive sizes, d_model % n_heads, even head_dim, n_heads % n_kv_heads,
// embedding_size >= vocab_size, token ids in range, eps/theta > 0); InputError naming the
// family's key. Run by parse; call it too on configs built in code.
void validate_model_config(const ModelConfig& config, const std::string& file);

// The family's HF config.json (LLaDA: every §1.1 key; Dream: the Qwen2/Dream keys), which
// parse_model_config reads back to an equal config.
nlohmann::ordered_json to_json(const ModelConfig& config);
void write_model_config(const std::string& path, const ModelConfig& config);  // atomic, 2-space indent

// The checkpoint tensors this config needs, in module order, with HF names and shapes
// ([out, in] for linear weights). LLaDA: model.transformer.{wte, blocks.{i}.{attn_norm, q_proj,
// k_proj, v_proj, attn_out, ff_norm, ff_proj, up_proj, ff_out}, ln_f, ff_out}.weight (+ q/k/v
// .bias when qkv_bias; no LM head when tied). Dream: model.embed_tokens, model.layers.{i}.
// {input_layernorm, self_attn.{q,k,v,o}_proj (q/k/v with bias), post_attention_layernorm,
// mlp.{gate,up,down}_proj}, model.norm, lm_head.
std::vector<checkpoint::TensorSpec> expected_tensors(const ModelConfig& config);
std::int64_t parameter_count(const ModelConfig& config);

// LLaDA-8B (Base/Instruct) as in §1.1, e.g. as a template for tiny configs in tests and init-model.
ModelConfig llada_8b_config();
// A tiny LLaDA for the byte-level tokenizer (256 bytes, BOS 256, EOS = pad 257, headers 258/259,
// EOT 260, MASK 261; embedding rows padded to 264): 4 heads, RoPE θ 10^4, the 8B's other
// settings. Tests and the perf programs build their models from it.
ModelConfig tiny_byte_llada_config(std::int64_t d_model, std::int64_t n_layers, std::int64_t mlp_hidden_size,
                                   std::int64_t max_sequence_length);

}  // namespace trafl::model
