#include "model/config.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "checkpoint/safetensors.hpp"
#include "core/error.hpp"
#include "core/file_io.hpp"

namespace trafl::model {

using json = nlohmann::json;
using checkpoint::Shape;
using checkpoint::TensorSpec;

namespace {

// Generic PretrainedConfig / generation keys that say nothing about the architecture.
const std::set<std::string>& generic_irrelevant_keys() {
  static const std::set<std::string> keys = {"_name_or_path",
                                             "_attn_implementation_autoset",
                                             "_commit_hash",
                                             "add_cross_attention",
                                             "architectures",
                                             "auto_map",
                                             "bad_words_ids",
                                             "begin_suppress_tokens",
                                             "chunk_size_feed_forward",
                                             "cross_attention_hidden_size",
                                             "decoder_start_token_id",
                                             "diversity_penalty",
                                             "do_sample",
                                             "early_stopping",
                                             "encoder_no_repeat_ngram_size",
                                             "exponential_decay_length_penalty",
                                             "finetuning_task",
                                             "forced_bos_token_id",
                                             "forced_eos_token_id",
                                             "id2label",
                                             "is_decoder",
                                             "is_encoder_decoder",
                                             "label2id",
                                             "length_penalty",
                                             "max_length",
                                             "min_length",
                                             "model_type",
                                             "no_repeat_ngram_size",
                                             "num_beam_groups",
                                             "num_beams",
                                             "num_return_sequences",
                                             "output_attentions",
                                             "output_hidden_states",
                                             "output_scores",
                                             "prefix",
                                             "problem_type",
                                             "pruned_heads",
                                             "remove_invalid_values",
                                             "repetition_penalty",
                                             "return_dict",
                                             "return_dict_in_generate",
                                             "sep_token_id",
                                             "suppress_tokens",
                                             "task_specific_params",
                                             "temperature",
                                             "tf_legacy_loss",
                                             "tie_encoder_decoder",
                                             "tokenizer_class",
                                             "top_k",
                                             "top_p",
                                             "torch_dtype",
                                             "torchscript",
                                             "transformers_version",
                                             "typical_p",
                                             "use_bfloat16",
                                             "use_cache",
                                             "attn_implementation",
                                             "dtype"};
  return keys;
}

std::string repr(const json& v) { return v.dump(); }

class KeyReader {
 public:
  KeyReader(const json& j, std::string file) : j_(j), file_(std::move(file)) {}

  InputError error(const std::string& key, const std::string& message) const {
    return InputError(file_, 0, key, message);
  }

  const json* find(const std::string& key) {
    seen_.insert(key);
    auto it = j_.find(key);
    return it == j_.end() ? nullptr : &*it;
  }
  // Present and not null.
  const json* value(const std::string& key) {
    const json* v = find(key);
    return v && !v->is_null() ? v : nullptr;
  }
  const json& required(const std::string& key) {
    const json* v = value(key);
    if (!v) throw error(key, "required key is missing");
    return *v;
  }

  std::int64_t as_int(const std::string& key, const json& v) const {
    if (v.is_number_unsigned()) {
      if (v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) throw error(key, "integer too large");
      return static_cast<std::int64_t>(v.get<std::uint64_t>());
    }
    if (v.is_number_integer()) return v.get<std::int64_t>();
    throw error(key, fmt::format("must be an integer, got {}", repr(v)));
  }
  double as_num(const std::string& key, const json& v) const {
    if (!v.is_number()) throw error(key, fmt::format("must be a number, got {}", repr(v)));
    return v.get<double>();
  }
  bool as_bool(const std::string& key, const json& v) const {
    if (!v.is_boolean()) throw error(key, fmt::format("must be true or false, got {}", repr(v)));
    return v.get<bool>();
  }
  std::string as_str(const std::string& key, const json& v) const {
    if (!v.is_string()) throw error(key, fmt::format("must be a string, got {}", repr(v)));
    return v.get<std::string>();
  }

  std::int64_t req_int(const std::string& key) { return as_int(key, required(key)); }
  double req_num(const std::string& key) { return as_num(key, required(key)); }
  bool req_bool(const std::string& key) { return as_bool(key, required(key)); }
  std::string req_str(const std::string& key) { return as_str(key, required(key)); }
  std::optional<std::int64_t> opt_int(const std::string& key) {
    const json* v = value(key);
    return v ? std::optional<std::int64_t>(as_int(key, *v)) : std::nullopt;
  }
  double opt_num(const std::string& key, double dflt) {
    const json* v = value(key);
    return v ? as_num(key, *v) : dflt;
  }
  std::optional<bool> opt_bool(const std::string& key) {
    const json* v = value(key);
    return v ? std::optional<bool>(as_bool(key, *v)) : std::nullopt;
  }
  std::optional<std::string> opt_str(const std::string& key) {
    const json* v = value(key);
    return v ? std::optional<std::string>(as_str(key, *v)) : std::nullopt;
  }

  // A bool key whose only supported value is `supported` (absent/null takes `dflt`).
  void require_bool_value(const std::string& key, bool supported, bool dflt, const std::string& why) {
    const bool v = opt_bool(key).value_or(dflt);
    if (v != supported) throw error(key, fmt::format("{} is not supported: {}", v ? "true" : "false", why));
  }
  // A key that must be absent or null (any other value is an unsupported feature).
  void require_null(const std::string& key, const std::string& why) {
    if (const json* v = value(key)) throw error(key, fmt::format("{} is not supported: {}", repr(*v), why));
  }
  void ignore(std::initializer_list<const char*> keys) {
    for (const char* k : keys) seen_.insert(k);
  }

  std::vector<std::string> unknown_key_warnings() const {
    std::vector<std::string> out;
    for (auto it = j_.begin(); it != j_.end(); ++it) {
      if (seen_.count(it.key()) || generic_irrelevant_keys().count(it.key())) continue;
      out.push_back(fmt::format("{}: unknown config key '{}' ignored", file_, it.key()));
    }
    return out;
  }

 private:
  const json& j_;
  std::string file_;
  std::set<std::string> seen_;
};

std::vector<std::int64_t> read_eos(KeyReader& r, const std::string& key) {
  const json* v = r.value(key);
  if (!v) return {};
  if (v->is_array()) {
    std::vector<std::int64_t> out;
    for (const json& e : *v) out.push_back(r.as_int(key, e));
    return out;
  }
  return {r.as_int(key, *v)};
}

void read_common_tail(KeyReader& r) {
  r.require_null("quantization_config", "quantized checkpoints are not supported");
  r.require_null("rope_scaling", "only plain RoPE is implemented");
}

ModelConfig parse_llada(KeyReader& r) {
  ModelConfig c;
  c.family = ModelFamily::kLLaDA;
  c.logit_shift = false;
  c.d_model = r.req_int("d_model");
  c.n_heads = r.req_int("n_heads");
  c.n_layers = r.req_int("n_layers");
  c.vocab_size = r.req_int("vocab_size");
  c.max_sequence_length = r.req_int("max_sequence_length");
  c.rope_theta = r.req_num("rope_theta");
  c.mask_token_id = r.req_int("mask_token_id");

  // KV heads: the reference `effective_n_kv_heads`.
  const auto kv = r.opt_int("n_kv_heads");
  const auto mqa = r.opt_bool("multi_query_attention");
  if (!kv) {
    c.n_kv_heads = mqa.value_or(false) ? 1 : c.n_heads;
  } else {
    c.n_kv_heads = *kv;
    if (mqa && *mqa && *kv != 1)
      throw r.error("multi_query_attention", fmt::format("true contradicts n_kv_heads {} (must be 1)", *kv));
    if (mqa && !*mqa && *kv != c.n_heads)
      throw r.error("multi_query_attention",
                    fmt::format("false contradicts n_kv_heads {} != n_heads {}", *kv, c.n_heads));
  }
  const auto mlp_hidden = r.opt_int("mlp_hidden_size");
  const auto mlp_ratio = r.opt_int("mlp_ratio");
  c.mlp_hidden_size = mlp_hidden ? *mlp_hidden : mlp_ratio.value_or(4) * c.d_model;
  // Reference default is 50304 (OLMo); LLaDA configs always set it. Absent -> vocab_size.
  c.embedding_size = r.opt_int("embedding_size").value_or(c.vocab_size);
  c.rms_norm_eps = r.opt_num("rms_norm_eps", 1e-5);

  if (std::string act = r.req_str("activation_type"); act != "silu")
    throw r.error("activation_type",
                  fmt::format("\"{}\" is not supported: only \"silu\" (LLaDA-8B's value; with block_type \"llama\" "
                              "this is the SwiGLU MLP ff_out(silu(ff_proj(x)) * up_proj(x))){}",
                              act,
                              act == "swiglu" ? "; \"swiglu\" would chunk ff_proj's output in two, which the "
                                                "reference llama block cannot run"
                                              : ""));
  if (std::string bt = r.req_str("block_type"); bt != "llama")
    throw r.error("block_type", fmt::format("\"{}\" is not supported: only \"llama\" (separate q/k/v projections, "
                                            "as in LLaDA-8B)",
                                            bt));
  if (std::string ln = r.req_str("layer_norm_type"); ln != "rms")
    throw r.error("layer_norm_type", fmt::format("\"{}\" is not supported: only \"rms\"", ln));
  if (!r.req_bool("rope")) throw r.error("rope", "false is not supported: the model uses rotary position embeddings");
  c.tied_embeddings = r.req_bool("weight_tying");
  c.qkv_bias = r.opt_bool("include_qkv_bias").value_or(false);

  r.require_bool_value("alibi", false, false, "ALiBi attention biases are not implemented (RoPE only)");
  r.require_bool_value("include_bias", false, false, "biases on attn_out/MLP/LM-head linears are not implemented");
  r.require_bool_value("bias_for_layer_norm", false, false, "RMSNorm has a weight only");
  r.require_bool_value("layer_norm_with_affine", true, true, "RMSNorm without a weight is not implemented");
  r.require_bool_value("attention_layer_norm", false, false, "QK layer norms are not implemented");
  r.require_bool_value("rope_full_precision", true, true, "RoPE is always computed in fp32");
  r.require_bool_value("input_emb_norm", false, false, "an input embedding norm is not implemented");
  r.require_bool_value("scale_logits", false, false, "logit scaling by 1/sqrt(d_model) is not implemented");
  if (auto g = r.opt_int("block_group_size"); g && *g != 1)
    throw r.error("block_group_size",
                  fmt::format("{} is not supported: only 1 (groups change the parameter names)", *g));
  r.require_null("clip_qkv", "QKV clipping is not implemented");
  read_common_tail(r);

  c.attention_dropout = r.opt_num("attention_dropout", 0.0);
  c.residual_dropout = r.opt_num("residual_dropout", 0.0);
  c.embedding_dropout = r.opt_num("embedding_dropout", 0.0);
  c.init_fn = r.opt_str("init_fn").value_or("mitchell");
  c.init_std = r.opt_num("init_std", 0.02);
  c.eos_token_ids = read_eos(r, "eos_token_id");
  c.pad_token_id = r.opt_int("pad_token_id");
  c.bos_token_id = r.opt_int("bos_token_id");
  // Known, irrelevant to this engine (implementation or training-framework details).
  r.ignore({"alibi_bias_max", "flash_attention", "attention_layer_norm_with_affine", "init_device",
            "init_cutoff_factor", "precision", "mlp_ratio", "max_position_embeddings"});
  return c;
}

ModelConfig parse_dream(KeyReader& r) {
  ModelConfig c;
  c.family = ModelFamily::kDream;
  c.logit_shift = true;
  c.qkv_bias = true;
  c.d_model = r.req_int("hidden_size");
  c.n_heads = r.req_int("num_attention_heads");
  c.n_layers = r.req_int("num_hidden_layers");
  c.mlp_hidden_size = r.req_int("intermediate_size");
  c.vocab_size = r.req_int("vocab_size");
  c.embedding_size = c.vocab_size;
  c.rope_theta = r.req_num("rope_theta");
  c.mask_token_id = r.req_int("mask_token_id");
  c.n_kv_heads = r.opt_int("num_key_value_heads").value_or(c.n_heads);
  c.max_sequence_length = r.opt_int("max_position_embeddings").value_or(32768);  // Qwen2 default
  c.rms_norm_eps = r.opt_num("rms_norm_eps", 1e-6);
  if (std::string act = r.opt_str("hidden_act").value_or("silu"); act != "silu")
    throw r.error("hidden_act", fmt::format("\"{}\" is not supported: only \"silu\"", act));
  if (auto hd = r.opt_int("head_dim"); hd && c.n_heads > 0 && *hd * c.n_heads != c.d_model)
    throw r.error("head_dim",
                  fmt::format("{} is not supported: head_dim must be hidden_size / num_attention_heads = {}", *hd,
                              c.d_model / c.n_heads));
  c.tied_embeddings = r.opt_bool("tie_word_embeddings").value_or(false);
  r.require_bool_value("use_sliding_window", false, false, "sliding-window attention is not implemented");
  read_common_tail(r);
  c.attention_dropout = r.opt_num("attention_dropout", 0.0);
  c.init_fn = "normal";
  c.init_std = r.opt_num("initializer_range", 0.02);
  c.eos_token_ids = read_eos(r, "eos_token_id");
  c.pad_token_id = r.opt_int("pad_token_id");
  c.bos_token_id = r.opt_int("bos_token_id");
  r.ignore({"sliding_window", "max_window_layers", "layer_types"});
  return c;
}

// The key a field is read from, for error messages.
std::string key_for(ModelFamily f, const std::string& field) {
  if (f == ModelFamily::kLLaDA) return field;
  static const std::map<std::string, std::string> dream = {{"d_model", "hidden_size"},
                                                           {"n_heads", "num_attention_heads"},
                                                           {"n_kv_heads", "num_key_value_heads"},
                                                           {"n_layers", "num_hidden_layers"},
                                                           {"mlp_hidden_size", "intermediate_size"},
                                                           {"max_sequence_length", "max_position_embeddings"},
                                                           {"embedding_size", "vocab_size"}};
  auto it = dream.find(field);
  return it == dream.end() ? field : it->second;
}

}  // namespace

std::string_view family_name(ModelFamily family) { return family == ModelFamily::kLLaDA ? "llada" : "Dream"; }

bool ModelConfig::operator==(const ModelConfig& o) const {
  return family == o.family && d_model == o.d_model && n_layers == o.n_layers && n_heads == o.n_heads &&
         n_kv_heads == o.n_kv_heads && mlp_hidden_size == o.mlp_hidden_size && vocab_size == o.vocab_size &&
         embedding_size == o.embedding_size && max_sequence_length == o.max_sequence_length &&
         rope_theta == o.rope_theta && rms_norm_eps == o.rms_norm_eps && qkv_bias == o.qkv_bias &&
         tied_embeddings == o.tied_embeddings && logit_shift == o.logit_shift && mask_token_id == o.mask_token_id &&
         eos_token_ids == o.eos_token_ids && pad_token_id == o.pad_token_id && bos_token_id == o.bos_token_id &&
         attention_dropout == o.attention_dropout && residual_dropout == o.residual_dropout &&
         embedding_dropout == o.embedding_dropout && init_fn == o.init_fn && init_std == o.init_std;
}

void validate_model_config(const ModelConfig& c, const std::string& file) {
  auto err = [&](const std::string& field, const std::string& msg) {
    return InputError(file, 0, key_for(c.family, field), msg);
  };
  auto positive = [&](const std::string& field, std::int64_t v) {
    if (v <= 0) throw err(field, fmt::format("must be positive, got {}", v));
  };
  positive("d_model", c.d_model);
  positive("n_heads", c.n_heads);
  positive("n_kv_heads", c.n_kv_heads);
  positive("n_layers", c.n_layers);
  positive("mlp_hidden_size", c.mlp_hidden_size);
  positive("vocab_size", c.vocab_size);
  positive("embedding_size", c.embedding_size);
  positive("max_sequence_length", c.max_sequence_length);
  if (c.d_model % c.n_heads != 0)
    throw err("n_heads", fmt::format("{} does not divide {} {}", c.n_heads, key_for(c.family, "d_model"), c.d_model));
  if (c.head_dim() % 2 != 0)
    throw err("n_heads", fmt::format("gives an odd head dimension {} (RoPE needs an even one)", c.head_dim()));
  if (c.n_kv_heads > c.n_heads || c.n_heads % c.n_kv_heads != 0)
    throw err("n_kv_heads", fmt::format("{} must divide {} {}", c.n_kv_heads, key_for(c.family, "n_heads"), c.n_heads));
  if (c.embedding_size < c.vocab_size)
    throw err("embedding_size", fmt::format("{} is smaller than vocab_size {}", c.embedding_size, c.vocab_size));
  if (!(c.rope_theta > 0) || !std::isfinite(c.rope_theta)) throw err("rope_theta", "must be a positive number");
  if (!(c.rms_norm_eps > 0) || !std::isfinite(c.rms_norm_eps)) throw err("rms_norm_eps", "must be a positive number");
  auto token = [&](const std::string& field, std::int64_t id) {
    if (id < 0 || id >= c.embedding_size)
      throw err(field, fmt::format("token id {} is outside the embedding table [0, {})", id, c.embedding_size));
  };
  token("mask_token_id", c.mask_token_id);
  for (std::int64_t id : c.eos_token_ids) token("eos_token_id", id);
  if (c.pad_token_id) token("pad_token_id", *c.pad_token_id);
  if (c.bos_token_id) token("bos_token_id", *c.bos_token_id);
  for (const auto& [field, p] : {std::pair<const char*, double>{"attention_dropout", c.attention_dropout},
                                 {"residual_dropout", c.residual_dropout},
                                 {"embedding_dropout", c.embedding_dropout}})
    if (!(p >= 0.0 && p < 1.0)) throw err(field, fmt::format("{} is not a probability in [0, 1)", p));
}

ModelConfig parse_model_config(const json& j, const std::string& file) {
  if (!j.is_object()) throw InputError(file, 0, "", "config must be a JSON object");
  KeyReader r(j, file);
  ModelFamily family;
  if (auto mt = r.opt_str("model_type")) {
    std::string lower = *mt;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (lower == "llada")
      family = ModelFamily::kLLaDA;
    else if (lower == "dream")
      family = ModelFamily::kDream;
    else
      throw r.error("model_type",
                    fmt::format("\"{}\" is not supported (supported: \"llada\" for LLaDA, \"Dream\" for Dream)", *mt));
  } else if (j.contains("d_model")) {
    family = ModelFamily::kLLaDA;
  } else if (j.contains("hidden_size")) {
    family = ModelFamily::kDream;
  } else {
    throw r.error("model_type",
                  "required key is missing (and the keys match neither LLaDA's d_model nor Dream's hidden_size)");
  }
  ModelConfig c = family == ModelFamily::kLLaDA ? parse_llada(r) : parse_dream(r);
  validate_model_config(c, file);
  c.warnings = r.unknown_key_warnings();
  return c;
}

ModelConfig read_model_config(const std::string& path) {
  std::string file = path;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) file = (std::filesystem::path(path) / "config.json").string();
  return parse_model_config(read_json_file(file, "model config"), file);
}

nlohmann::ordered_json to_json(const ModelConfig& c) {
  nlohmann::ordered_json j;
  auto eos = [&]() -> nlohmann::ordered_json {
    if (c.eos_token_ids.empty()) return nullptr;
    if (c.eos_token_ids.size() == 1) return c.eos_token_ids[0];
    return c.eos_token_ids;
  };
  auto opt = [](const std::optional<std::int64_t>& v) -> nlohmann::ordered_json {
    return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
  };
  if (c.family == ModelFamily::kLLaDA) {
    j["activation_type"] = "silu";
    j["alibi"] = false;
    j["alibi_bias_max"] = 8.0;
    j["architectures"] = {"LLaDAModelLM"};
    j["attention_dropout"] = c.attention_dropout;
    j["attention_layer_norm"] = false;
    j["attention_layer_norm_with_affine"] = true;
    j["auto_map"] = {{"AutoConfig", "configuration_llada.LLaDAConfig"},
                     {"AutoModelForCausalLM", "modeling_llada.LLaDAModelLM"},
                     {"AutoModel", "modeling_llada.LLaDAModelLM"}};
    j["bias_for_layer_norm"] = false;
    j["block_group_size"] = 1;
    j["block_type"] = "llama";
    j["d_model"] = c.d_model;
    j["embedding_dropout"] = c.embedding_dropout;
    j["embedding_size"] = c.embedding_size;
    j["eos_token_id"] = eos();
    j["flash_attention"] = false;
    j["include_bias"] = false;
    j["include_qkv_bias"] = c.qkv_bias;
    j["init_cutoff_factor"] = nullptr;
    j["init_device"] = "meta";
    j["init_fn"] = c.init_fn;
    j["init_std"] = c.init_std;
    j["input_emb_norm"] = false;
    j["layer_norm_type"] = "rms";
    j["layer_norm_with_affine"] = true;
    j["mask_token_id"] = c.mask_token_id;
    j["max_sequence_length"] = c.max_sequence_length;
    j["mlp_hidden_size"] = c.mlp_hidden_size;
    j["mlp_ratio"] = 4;
    j["model_type"] = "llada";
    j["multi_query_attention"] = nullptr;
    j["n_heads"] = c.n_heads;
    j["n_kv_heads"] = c.n_kv_heads;
    j["n_layers"] = c.n_layers;
    j["pad_token_id"] = opt(c.pad_token_id);
    if (c.bos_token_id) j["bos_token_id"] = *c.bos_token_id;
    j["precision"] = "amp_bf16";
    j["residual_dropout"] = c.residual_dropout;
    j["rms_norm_eps"] = c.rms_norm_eps;
    j["rope"] = true;
    j["rope_full_precision"] = true;
    j["rope_theta"] = c.rope_theta;
    j["scale_logits"] = false;
    j["transformers_version"] = "4.46.3";
    j["use_cache"] = false;
    j["vocab_size"] = c.vocab_size;
    j["weight_tying"] = c.tied_embeddings;
  } else {
    j["architectures"] = {"DreamModel"};
    j["attention_dropout"] = c.attention_dropout;
    j["bos_token_id"] = opt(c.bos_token_id);
    j["eos_token_id"] = eos();
    j["hidden_act"] = "silu";
    j["hidden_size"] = c.d_model;
    j["initializer_range"] = c.init_std;
    j["intermediate_size"] = c.mlp_hidden_size;
    j["mask_token_id"] = c.mask_token_id;
    j["max_position_embeddings"] = c.max_sequence_length;
    j["model_type"] = "Dream";
    j["num_attention_heads"] = c.n_heads;
    j["num_hidden_layers"] = c.n_layers;
    j["num_key_value_heads"] = c.n_kv_heads;
    j["pad_token_id"] = opt(c.pad_token_id);
    j["rms_norm_eps"] = c.rms_norm_eps;
    j["rope_scaling"] = nullptr;
    j["rope_theta"] = c.rope_theta;
    j["tie_word_embeddings"] = c.tied_embeddings;
    j["torch_dtype"] = "bfloat16";
    j["use_cache"] = false;
    j["use_sliding_window"] = false;
    j["vocab_size"] = c.vocab_size;
  }
  return j;
}

void write_model_config(const std::string& path, const ModelConfig& config) {
  validate_model_config(config, path);
  const std::string text = to_json(config).dump(2) + "\n";
  checkpoint::write_file_atomic(path, {{text.data(), text.size()}});
}

std::vector<TensorSpec> expected_tensors(const ModelConfig& c) {
  std::vector<TensorSpec> out;
  const std::int64_t d = c.d_model, q = c.n_heads * c.head_dim(), kv = c.n_kv_heads * c.head_dim();
  const std::int64_t m = c.mlp_hidden_size, e = c.embedding_size;
  if (c.family == ModelFamily::kLLaDA) {
    out.push_back({"model.transformer.wte.weight", {e, d}});
    for (std::int64_t i = 0; i < c.n_layers; ++i) {
      const std::string b = fmt::format("model.transformer.blocks.{}.", i);
      out.push_back({b + "attn_norm.weight", {d}});
      out.push_back({b + "q_proj.weight", {q, d}});
      if (c.qkv_bias) out.push_back({b + "q_proj.bias", {q}});
      out.push_back({b + "k_proj.weight", {kv, d}});
      if (c.qkv_bias) out.push_back({b + "k_proj.bias", {kv}});
      out.push_back({b + "v_proj.weight", {kv, d}});
      if (c.qkv_bias) out.push_back({b + "v_proj.bias", {kv}});
      out.push_back({b + "attn_out.weight", {d, q}});
      out.push_back({b + "ff_norm.weight", {d}});
      out.push_back({b + "ff_proj.weight", {m, d}});
      out.push_back({b + "up_proj.weight", {m, d}});
      out.push_back({b + "ff_out.weight", {d, m}});
    }
    out.push_back({"model.transformer.ln_f.weight", {d}});
    if (!c.tied_embeddings) out.push_back({"model.transformer.ff_out.weight", {e, d}});
  } else {
    out.push_back({"model.embed_tokens.weight", {e, d}});
    for (std::int64_t i = 0; i < c.n_layers; ++i) {
      const std::string b = fmt::format("model.layers.{}.", i);
      out.push_back({b + "input_layernorm.weight", {d}});
      out.push_back({b + "self_attn.q_proj.weight", {q, d}});
      out.push_back({b + "self_attn.q_proj.bias", {q}});
      out.push_back({b + "self_attn.k_proj.weight", {kv, d}});
      out.push_back({b + "self_attn.k_proj.bias", {kv}});
      out.push_back({b + "self_attn.v_proj.weight", {kv, d}});
      out.push_back({b + "self_attn.v_proj.bias", {kv}});
      out.push_back({b + "self_attn.o_proj.weight", {d, q}});
      out.push_back({b + "post_attention_layernorm.weight", {d}});
      out.push_back({b + "mlp.gate_proj.weight", {m, d}});
      out.push_back({b + "mlp.up_proj.weight", {m, d}});
      out.push_back({b + "mlp.down_proj.weight", {d, m}});
    }
    out.push_back({"model.norm.weight", {d}});
    if (!c.tied_embeddings) out.push_back({"lm_head.weight", {e, d}});
  }
  return out;
}

std::int64_t parameter_count(const ModelConfig& config) {
  std::int64_t total = 0;
  for (const TensorSpec& s : expected_tensors(config)) total += checkpoint::shape_numel(s.shape);
  return total;
}

ModelConfig tiny_byte_llada_config(std::int64_t d_model, std::int64_t n_layers, std::int64_t mlp_hidden_size,
                                   std::int64_t max_sequence_length) {
  ModelConfig c = llada_8b_config();
  c.d_model = d_model;
  c.n_layers = n_layers;
  c.n_heads = 4;
  c.n_kv_heads = 4;
  c.mlp_hidden_size = mlp_hidden_size;
  c.vocab_size = 262;
  c.embedding_size = 264;
  c.max_sequence_length = max_sequence_length;
  c.rope_theta = 10000.0;
  c.mask_token_id = 261;
  c.eos_token_ids = {257};
  c.pad_token_id = 257;
  c.bos_token_id = 256;
  return c;
}

ModelConfig llada_8b_config() {
  ModelConfig c;
  c.family = ModelFamily::kLLaDA;
  c.d_model = 4096;
  c.n_layers = 32;
  c.n_heads = 32;
  c.n_kv_heads = 32;
  c.mlp_hidden_size = 12288;
  c.vocab_size = 126464;
  c.embedding_size = 126464;
  c.max_sequence_length = 4096;
  c.rope_theta = 500000.0;
  c.rms_norm_eps = 1e-5;
  c.qkv_bias = false;
  c.tied_embeddings = false;
  c.logit_shift = false;
  c.mask_token_id = 126336;
  c.eos_token_ids = {126081};
  c.pad_token_id = 126081;
  c.init_fn = "mitchell";
  c.init_std = 0.02;
  return c;
}

}  // namespace trafl::model
