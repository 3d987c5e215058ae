// config.json reading/writing for LLaDA and Dream, and the expected tensor list. Tag [checkpoint].
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "model/config.hpp"
#include "tests/support.hpp"

using Catch::Contains;
using trafl::InputError;
using trafl::model::ModelConfig;
using trafl::model::ModelFamily;
using trafl::test::TempDir;
using json = nlohmann::json;

namespace {

// LLaDA-8B-Instruct config.json with the HF file's values (sizes and ids in docs/engine.md §2).
const char* kLLaDA8B = R"({
  "activation_type": "silu", "block_type": "llama", "layer_norm_type": "rms", "layer_norm_with_affine": true,
  "bias_for_layer_norm": false, "include_bias": false, "include_qkv_bias": false, "attention_layer_norm": false,
  "d_model": 4096, "n_layers": 32, "n_heads": 32, "n_kv_heads": 32, "mlp_hidden_size": 12288, "mlp_ratio": 4,
  "vocab_size": 126464, "embedding_size": 126464, "max_sequence_length": 4096,
  "rope": true, "rope_full_precision": true, "rope_theta": 500000.0, "rms_norm_eps": 1e-05,
  "alibi": false, "flash_attention": false, "scale_logits": false, "input_emb_norm": false, "weight_tying": false,
  "attention_dropout": 0.0, "residual_dropout": 0.0, "embedding_dropout": 0.0,
  "eos_token_id": 126081, "pad_token_id": 126081, "mask_token_id": 126336,
  "init_fn": "mitchell", "init_std": 0.02, "init_device": "meta", "precision": "amp_bf16", "use_cache": false,
  "model_type": "llada", "architectures": ["LLaDAModelLM"], "transformers_version": "4.46.3",
  "alibi_bias_max": 8.0, "attention_layer_norm_with_affine": true, "block_group_size": 1,
  "init_cutoff_factor": null, "multi_query_attention": null, "torch_dtype": "bfloat16",
  "auto_map": {"AutoConfig": "configuration_llada.LLaDAConfig", "AutoModelForCausalLM": "modeling_llada.LLaDAModelLM"}
})";

// Dream-7B (Qwen2.5-7B shape, §1.4).
const char* kDream7B = R"({
  "architectures": ["DreamModel"], "model_type": "Dream", "hidden_size": 3584, "intermediate_size": 18944,
  "num_hidden_layers": 28, "num_attention_heads": 28, "num_key_value_heads": 4, "hidden_act": "silu",
  "max_position_embeddings": 131072, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "rope_scaling": null,
  "tie_word_embeddings": false, "use_sliding_window": false, "sliding_window": null, "max_window_layers": 28,
  "vocab_size": 152064, "mask_token_id": 151666, "pad_token_id": 151643, "bos_token_id": 151643,
  "eos_token_id": 151643, "attention_dropout": 0.0, "initializer_range": 0.02, "torch_dtype": "bfloat16",
  "use_cache": false, "transformers_version": "4.46.2"
})";

ModelConfig parse(const json& j) { return trafl::model::parse_model_config(j, "config.json"); }

// The InputError's field for a config, or "<loaded>".
std::string error_field(const json& j) {
  try {
    parse(j);
    return "<loaded>";
  } catch (const InputError& e) {
    return e.field();
  }
}
std::string error_text(const json& j) {
  try {
    parse(j);
    return "<loaded>";
  } catch (const InputError& e) {
    return e.what();
  }
}

json with(const char* base, const std::string& key, json value) {
  json j = json::parse(base);
  j[key] = std::move(value);
  return j;
}
json without(const char* base, const std::string& key) {
  json j = json::parse(base);
  j.erase(key);
  return j;
}

}  // namespace

TEST_CASE("config: LLaDA-8B config.json", "[checkpoint]") {
  const ModelConfig c = parse(json::parse(kLLaDA8B));
  CHECK(c.family == ModelFamily::kLLaDA);
  CHECK(c.d_model == 4096);
  CHECK(c.n_layers == 32);
  CHECK(c.n_heads == 32);
  CHECK(c.n_kv_heads == 32);
  CHECK(c.head_dim() == 128);
  CHECK(c.mlp_hidden_size == 12288);  // mlp_hidden_size wins over mlp_ratio
  CHECK(c.vocab_size == 126464);
  CHECK(c.embedding_size == 126464);
  CHECK(c.max_sequence_length == 4096);
  CHECK(c.rope_theta == 500000.0);
  CHECK(c.rms_norm_eps == 1e-5);
  CHECK_FALSE(c.qkv_bias);
  CHECK_FALSE(c.tied_embeddings);
  CHECK_FALSE(c.logit_shift);
  CHECK(c.mask_token_id == 126336);
  CHECK(c.eos_token_ids == std::vector<std::int64_t>{126081});
  CHECK(c.pad_token_id == 126081);
  CHECK_FALSE(c.bos_token_id);
  CHECK(c.init_fn == "mitchell");
  CHECK(c.warnings.empty());
  CHECK(c == trafl::model::llada_8b_config());

  // §1.3: 8,015,581,184 parameters = 16,031,162,368 BF16 bytes (the index total_size).
  CHECK(trafl::model::parameter_count(c) == 8'015'581'184LL);
  CHECK(trafl::model::parameter_count(c) * 2 == 16'031'162'368LL);
  const auto specs = trafl::model::expected_tensors(c);
  CHECK(specs.size() == 32 * 9 + 3);
  CHECK(specs.front().name == "model.transformer.wte.weight");
  CHECK(specs.front().shape == trafl::checkpoint::Shape{126464, 4096});
  CHECK(specs.back().name == "model.transformer.ff_out.weight");
  CHECK(specs.back().shape == trafl::checkpoint::Shape{126464, 4096});
  CHECK(specs[specs.size() - 2].name == "model.transformer.ln_f.weight");
  const std::vector<std::pair<std::string, trafl::checkpoint::Shape>> block31 = {
      {"attn_norm.weight", {4096}},      {"q_proj.weight", {4096, 4096}},   {"k_proj.weight", {4096, 4096}},
      {"v_proj.weight", {4096, 4096}},   {"attn_out.weight", {4096, 4096}}, {"ff_norm.weight", {4096}},
      {"ff_proj.weight", {12288, 4096}}, {"up_proj.weight", {12288, 4096}}, {"ff_out.weight", {4096, 12288}}};
  for (std::size_t k = 0; k < block31.size(); ++k) {
    const auto& s = specs[1 + 31 * 9 + k];
    CHECK(s.name == "model.transformer.blocks.31." + block31[k].first);
    CHECK(s.shape == block31[k].second);
  }
}

TEST_CASE("config: to_json round trip and file I/O", "[checkpoint]") {
  TempDir dir;
  for (const char* base : {kLLaDA8B, kDream7B}) {
    const ModelConfig c = parse(json::parse(base));
    const ModelConfig back = parse(json::parse(trafl::model::to_json(c).dump()));
    CHECK(back == c);
    CHECK(back.warnings.empty());
    trafl::model::write_model_config(dir.file("config.json"), c);
    CHECK(trafl::model::read_model_config(dir.path().string()) == c);      // a directory
    CHECK(trafl::model::read_model_config(dir.file("config.json")) == c);  // the file
  }
  // Variants survive the round trip: tied, GQA, qkv bias, bos, several eos ids.
  ModelConfig v = trafl::model::llada_8b_config();
  v.tied_embeddings = true;
  v.n_kv_heads = 8;
  v.qkv_bias = true;
  v.bos_token_id = 126080;
  v.eos_token_ids = {126081, 126348};
  v.pad_token_id.reset();
  CHECK(parse(json::parse(trafl::model::to_json(v).dump())) == v);
  const auto names = trafl::model::expected_tensors(v);
  CHECK(names.back().name == "model.transformer.ln_f.weight");  // tied: no LM head
  CHECK(names[3].name == "model.transformer.blocks.0.q_proj.bias");
  CHECK(names[4].shape == trafl::checkpoint::Shape{1024, 4096});  // k_proj with 8 KV heads

  trafl::test::write_file(dir.file("bad.json"), "{\"d_model\": ");
  CHECK_THROWS_WITH(trafl::model::read_model_config(dir.file("bad.json")),
                    Contains("bad.json") && Contains("not valid JSON"));
  CHECK_THROWS_AS(trafl::model::read_model_config(dir.file("absent.json")), InputError);
}

TEST_CASE("config: unsupported LLaDA values name the key", "[checkpoint]") {
  CHECK(error_field(with(kLLaDA8B, "alibi", true)) == "alibi");
  CHECK(error_field(with(kLLaDA8B, "activation_type", "gelu")) == "activation_type");
  CHECK(error_field(with(kLLaDA8B, "activation_type", "swiglu")) == "activation_type");
  CHECK_THAT(error_text(with(kLLaDA8B, "activation_type", "swiglu")), Contains("\"swiglu\" is not supported"));
  CHECK(error_field(with(kLLaDA8B, "block_type", "sequential")) == "block_type");
  CHECK(error_field(with(kLLaDA8B, "layer_norm_type", "default")) == "layer_norm_type");
  CHECK(error_field(with(kLLaDA8B, "rope", false)) == "rope");
  CHECK(error_field(with(kLLaDA8B, "include_bias", true)) == "include_bias");
  CHECK(error_field(with(kLLaDA8B, "bias_for_layer_norm", true)) == "bias_for_layer_norm");
  CHECK(error_field(with(kLLaDA8B, "layer_norm_with_affine", false)) == "layer_norm_with_affine");
  CHECK(error_field(with(kLLaDA8B, "attention_layer_norm", true)) == "attention_layer_norm");
  CHECK(error_field(with(kLLaDA8B, "rope_full_precision", false)) == "rope_full_precision");
  CHECK(error_field(with(kLLaDA8B, "scale_logits", true)) == "scale_logits");
  CHECK(error_field(with(kLLaDA8B, "input_emb_norm", true)) == "input_emb_norm");
  CHECK(error_field(with(kLLaDA8B, "block_group_size", 2)) == "block_group_size");
  CHECK(error_field(with(kLLaDA8B, "clip_qkv", 8.0)) == "clip_qkv");
  CHECK(error_field(with(kLLaDA8B, "quantization_config", json{{"bits", 4}})) == "quantization_config");
  CHECK(error_field(with(kLLaDA8B, "rope_scaling", json{{"type", "linear"}})) == "rope_scaling");
  CHECK(error_field(with(kLLaDA8B, "model_type", "qwen2")) == "model_type");
  CHECK(error_field(with(kLLaDA8B, "multi_query_attention", true)) == "multi_query_attention");
  // Supported variants load.
  CHECK(parse(with(kLLaDA8B, "weight_tying", true)).tied_embeddings);
  CHECK(parse(with(kLLaDA8B, "include_qkv_bias", true)).qkv_bias);
  CHECK(parse(with(kLLaDA8B, "flash_attention", true)).d_model == 4096);
  CHECK(parse(with(kLLaDA8B, "eos_token_id", json::array({126081, 126348}))).eos_token_ids.size() == 2);
  const ModelConfig mqa =
      parse(with(with(kLLaDA8B, "n_kv_heads", nullptr).dump().c_str(), "multi_query_attention", true));
  CHECK(mqa.n_kv_heads == 1);
  CHECK(parse(without(kLLaDA8B, "n_kv_heads")).n_kv_heads == 32);
  CHECK(parse(without(kLLaDA8B, "mlp_hidden_size")).mlp_hidden_size == 4 * 4096);
  CHECK(parse(without(kLLaDA8B, "embedding_size")).embedding_size == 126464);
  CHECK(parse(without(kLLaDA8B, "model_type")).family == ModelFamily::kLLaDA);  // inferred from d_model
}

TEST_CASE("config: missing keys, wrong types and inconsistent sizes name the key", "[checkpoint]") {
  for (const char* key :
       {"d_model", "n_heads", "n_layers", "vocab_size", "max_sequence_length", "rope_theta", "mask_token_id",
        "activation_type", "block_type", "layer_norm_type", "rope", "weight_tying"}) {
    INFO(key);
    CHECK(error_field(without(kLLaDA8B, key)) == key);
    CHECK_THAT(error_text(without(kLLaDA8B, key)), Contains("required key is missing"));
  }
  CHECK(error_field(with(kLLaDA8B, "d_model", nullptr)) == "d_model");
  CHECK(error_field(with(kLLaDA8B, "d_model", "4096")) == "d_model");
  CHECK(error_field(with(kLLaDA8B, "d_model", 4096.5)) == "d_model");
  CHECK(error_field(with(kLLaDA8B, "weight_tying", "false")) == "weight_tying");
  CHECK(error_field(with(kLLaDA8B, "rope_theta", "big")) == "rope_theta");
  CHECK(error_field(with(kLLaDA8B, "n_heads", 30)) == "n_heads");  // 4096 % 30 != 0
  CHECK(error_field(with(kLLaDA8B, "n_kv_heads", 5)) == "n_kv_heads");
  CHECK(error_field(with(kLLaDA8B, "n_layers", 0)) == "n_layers");
  CHECK(error_field(with(kLLaDA8B, "mask_token_id", 126464)) == "mask_token_id");
  CHECK(error_field(with(kLLaDA8B, "embedding_size", 1000)) == "embedding_size");
  CHECK(error_field(with(kLLaDA8B, "rms_norm_eps", 0)) == "rms_norm_eps");
  CHECK(error_field(with(kLLaDA8B, "residual_dropout", 1.5)) == "residual_dropout");
  CHECK(error_field(with(kLLaDA8B, "eos_token_id", json::array({1, "x"}))) == "eos_token_id");
  CHECK_THAT(error_text(with(kLLaDA8B, "alibi", true)), Contains("config.json: field 'alibi'"));
  CHECK(error_field(json::array()) == "");
  CHECK(error_field(json{{"foo", 1}}) == "model_type");
}

TEST_CASE("config: unknown keys are warnings, known irrelevant keys are silent", "[checkpoint]") {
  json j = json::parse(kLLaDA8B);
  j["my_custom_knob"] = 3;
  j["_name_or_path"] = "GSAI-ML/LLaDA-8B-Instruct";
  j["id2label"] = {{"0", "LABEL_0"}};
  const ModelConfig c = parse(j);
  REQUIRE(c.warnings.size() == 1);
  CHECK_THAT(c.warnings[0], Contains("config.json") && Contains("'my_custom_knob'"));
}

TEST_CASE("config: Dream-7B (Qwen2-style keys)", "[checkpoint]") {
  const ModelConfig c = parse(json::parse(kDream7B));
  CHECK(c.family == ModelFamily::kDream);
  CHECK(c.d_model == 3584);
  CHECK(c.n_heads == 28);
  CHECK(c.n_kv_heads == 4);
  CHECK(c.head_dim() == 128);
  CHECK(c.mlp_hidden_size == 18944);
  CHECK(c.vocab_size == 152064);
  CHECK(c.embedding_size == 152064);
  CHECK(c.max_sequence_length == 131072);
  CHECK(c.rope_theta == 1e6);
  CHECK(c.rms_norm_eps == 1e-6);
  CHECK(c.qkv_bias);
  CHECK(c.logit_shift);
  CHECK_FALSE(c.tied_embeddings);
  CHECK(c.mask_token_id == 151666);
  CHECK(c.bos_token_id == 151643);
  CHECK(c.warnings.empty());
  CHECK(trafl::model::parameter_count(c) == 7'615'616'512LL);  // Qwen2.5-7B
  const auto specs = trafl::model::expected_tensors(c);
  CHECK(specs.size() == 28 * 12 + 3);
  CHECK(specs[0].name == "model.embed_tokens.weight");
  CHECK(specs[2].name == "model.layers.0.self_attn.q_proj.weight");
  CHECK(specs[3].name == "model.layers.0.self_attn.q_proj.bias");
  CHECK(specs[4].name == "model.layers.0.self_attn.k_proj.weight");
  CHECK(specs[4].shape == trafl::checkpoint::Shape{512, 3584});
  CHECK(specs[8].name == "model.layers.0.self_attn.o_proj.weight");
  CHECK(specs[12].name == "model.layers.0.mlp.down_proj.weight");
  CHECK(specs[12].shape == trafl::checkpoint::Shape{3584, 18944});
  CHECK(specs.back().name == "lm_head.weight");

  CHECK(error_field(with(kDream7B, "use_sliding_window", true)) == "use_sliding_window");
  CHECK(error_field(with(kDream7B, "rope_scaling", json{{"type", "yarn"}})) == "rope_scaling");
  CHECK(error_field(with(kDream7B, "hidden_act", "gelu")) == "hidden_act");
  CHECK(error_field(with(kDream7B, "head_dim", 64)) == "head_dim");
  CHECK(error_field(with(kDream7B, "num_key_value_heads", 5)) == "num_key_value_heads");
  CHECK(error_field(without(kDream7B, "hidden_size")) == "hidden_size");
  CHECK(error_field(without(kDream7B, "mask_token_id")) == "mask_token_id");
  CHECK(parse(with(kDream7B, "tie_word_embeddings", true)).tied_embeddings);
  CHECK(parse(with(kDream7B, "model_type", "dream")).family == ModelFamily::kDream);
}
