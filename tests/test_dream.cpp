// [dream]: the Dream (Qwen2-style) variant behind LLaDAModel — HF names through save/load (sharded,
// bf16, tied), the forward checked against an independent hand-written reference (q/k/v biases, GQA,
// RoPE theta, logit shift), Dream's padding positions, and the LLaDA sampler running on it.
#include <torch/torch.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.hpp"
#include "model/config.hpp"
#include "model/llada.hpp"
#include "sampling/llada_sampler.hpp"
#include "support.hpp"
#include "test_model_util.hpp"
#include "tokenizer/tokenizer.hpp"
// Catch last: torch (glog) defines CHECK too, Catch must win.
#include <catch2/catch.hpp>

using trafl::model::KVCache;
using trafl::model::LLaDAModel;
using trafl::model::LoadOptions;
using trafl::model::ModelConfig;
using trafl::model::ModelFamily;
namespace fs = std::filesystem;

namespace {

// A tiny Dream: GQA (4 query heads, 2 KV heads), untied head, ids of the tiny byte-level tokenizer.
ModelConfig tiny_dream_config(bool tied = false) {
  ModelConfig c = trafl::test::tiny_llada_config();
  c.family = ModelFamily::kDream;
  c.logit_shift = true;
  c.qkv_bias = true;
  c.n_kv_heads = 2;
  c.vocab_size = 264;  // Dream has no separate embedding_size
  c.embedding_size = 264;
  c.rope_theta = 1000000.0;
  c.rms_norm_eps = 1e-6;
  c.tied_embeddings = tied;
  c.init_fn = "normal";
  c.init_std = 0.1;  // large enough that the biases and the shift visibly matter
  c.residual_dropout = c.embedding_dropout = 0.0;
  return c;
}

// Random non-zero q/k/v biases (init sets them to 0, which would hide a missing bias).
LLaDAModel tiny_dream(std::uint64_t seed, bool tied = false) {
  LLaDAModel m = LLaDAModel::init(tiny_dream_config(tied), seed);
  torch::manual_seed(seed);
  torch::NoGradGuard ng;
  for (auto& [name, t] : m.named_parameters())
    if (name.find("_proj.bias") != std::string::npos) t.copy_(torch::randn_like(t) * 0.5);
  return m;
}

// Dream's forward written out from the HF modeling code, independently of llada.cpp: returns the
// UNSHIFTED logits [B, L, V] (hidden state i -> lm_head), positions 0..L-1, no padding.
torch::Tensor reference_unshifted_logits(const LLaDAModel& m, const torch::Tensor& ids) {
  std::map<std::string, torch::Tensor> p;
  for (const auto& [name, t] : m.named_parameters()) p[name] = t;
  const ModelConfig& c = m.config();
  const std::int64_t B = ids.size(0), L = ids.size(1), H = c.n_heads, KV = c.n_kv_heads, hd = c.head_dim();
  auto rms = [&](const torch::Tensor& x, const torch::Tensor& w) {
    return w * (x * torch::rsqrt(x.pow(2).mean(-1, true) + c.rms_norm_eps));
  };
  // RoPE, HF Llama layout: inv_freq = 1/theta^(2i/hd), emb = cat(freqs, freqs), rotate_half.
  torch::Tensor inv = torch::empty({hd / 2}, torch::kDouble);
  for (std::int64_t i = 0; i < hd / 2; ++i) inv[i] = 1.0 / std::pow(c.rope_theta, 2.0 * i / hd);
  torch::Tensor f = torch::arange(L, torch::kDouble).unsqueeze(1) * inv.unsqueeze(0);
  torch::Tensor emb = torch::cat({f, f}, 1).to(torch::kFloat);
  torch::Tensor cs = emb.cos(), sn = emb.sin();
  auto rope = [&](const torch::Tensor& x) {  // [B, h, L, hd]
    torch::Tensor x1 = x.slice(-1, 0, hd / 2), x2 = x.slice(-1, hd / 2, hd);
    return x * cs + torch::cat({-x2, x1}, -1) * sn;
  };
  torch::Tensor x = p.at("model.embed_tokens.weight").index_select(0, ids.view(-1)).view({B, L, -1});
  for (std::int64_t l = 0; l < c.n_layers; ++l) {
    const std::string pre = "model.layers." + std::to_string(l) + ".";
    auto lin = [&](const torch::Tensor& in, const std::string& n, bool bias) {
      torch::Tensor y = torch::matmul(in, p.at(pre + n + ".weight").t());
      return bias ? y + p.at(pre + n + ".bias") : y;
    };
    torch::Tensor h = rms(x, p.at(pre + "input_layernorm.weight"));
    torch::Tensor q = rope(lin(h, "self_attn.q_proj", true).view({B, L, H, hd}).permute({0, 2, 1, 3}));
    torch::Tensor k = rope(lin(h, "self_attn.k_proj", true).view({B, L, KV, hd}).permute({0, 2, 1, 3}));
    torch::Tensor v = lin(h, "self_attn.v_proj", true).view({B, L, KV, hd}).permute({0, 2, 1, 3});
    // repeat_kv: head j of the queries uses KV head j / (H/KV).
    torch::Tensor idx = torch::arange(H, torch::kLong).div(H / KV, "floor");
    k = k.index_select(1, idx);
    v = v.index_select(1, idx);
    torch::Tensor a = torch::softmax(torch::matmul(q, k.transpose(2, 3)) / std::sqrt(double(hd)), -1);
    torch::Tensor o = torch::matmul(a, v).permute({0, 2, 1, 3}).reshape({B, L, H * hd});
    x = x + lin(o, "self_attn.o_proj", false);
    torch::Tensor g = rms(x, p.at(pre + "post_attention_layernorm.weight"));
    torch::Tensor gate = lin(g, "mlp.gate_proj", false);
    x = x + lin(gate * torch::sigmoid(gate) * lin(g, "mlp.up_proj", false), "mlp.down_proj", false);
  }
  const torch::Tensor head = c.tied_embeddings ? p.at("model.embed_tokens.weight") : p.at("lm_head.weight");
  return torch::matmul(rms(x, p.at("model.norm.weight")), head.t());
}

void require_same_weights(const LLaDAModel& a, const LLaDAModel& b) {
  auto pa = a.named_parameters(), pb = b.named_parameters();
  REQUIRE(pa.size() == pb.size());
  for (std::size_t i = 0; i < pa.size(); ++i) {
    INFO(pa[i].first);
    REQUIRE(pa[i].first == pb[i].first);
    REQUIRE(torch::equal(pa[i].second, pb[i].second));
  }
}

std::vector<std::string> safetensors_names(const std::string& dir) {
  // Every tensor name in every shard, read from the headers (the files users would hand to HF).
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".safetensors") continue;
    const std::string bytes = trafl::test::read_file(e.path().string());
    std::uint64_t n = 0;
    std::memcpy(&n, bytes.data(), 8);
    const auto header = nlohmann::json::parse(bytes.substr(8, n));
    for (auto it = header.begin(); it != header.end(); ++it)
      if (it.key() != "__metadata__") names.push_back(it.key());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE("Dream save/load round trip with the real tensor names (single, sharded, bf16, tied)", "[dream][model]") {
  trafl::test::torch_test_threads();
  const LLaDAModel m = tiny_dream(3);
  trafl::test::TempDir dir;
  m.save(dir.file("one"));
  const LLaDAModel back = LLaDAModel::load(dir.file("one"));
  CHECK(back.config() == m.config());
  CHECK(back.config().family == ModelFamily::kDream);
  require_same_weights(m, back);

  const std::vector<std::string> names = safetensors_names(dir.file("one"));
  for (const char* n : {"model.embed_tokens.weight", "model.layers.0.input_layernorm.weight",
                        "model.layers.1.self_attn.q_proj.weight", "model.layers.1.self_attn.q_proj.bias",
                        "model.layers.0.self_attn.k_proj.bias", "model.layers.0.self_attn.v_proj.bias",
                        "model.layers.0.self_attn.o_proj.weight", "model.layers.1.post_attention_layernorm.weight",
                        "model.layers.1.mlp.gate_proj.weight", "model.layers.1.mlp.up_proj.weight",
                        "model.layers.1.mlp.down_proj.weight", "model.norm.weight", "lm_head.weight"}) {
    INFO(n);
    CHECK(std::count(names.begin(), names.end(), std::string(n)) == 1);
  }
  CHECK(std::count(names.begin(), names.end(), std::string("model.layers.0.self_attn.o_proj.bias")) == 0);
  CHECK(names.size() == 2 + 2 * 12 + 1);
  // GQA shapes: k/v project to n_kv_heads * head_dim = 2 * 8.
  for (const auto& [name, t] : m.named_parameters())
    if (name == "model.layers.0.self_attn.k_proj.weight") CHECK(t.sizes() == torch::IntArrayRef({16, 32}));

  SECTION("sharded") {
    m.save(dir.file("sharded"), torch::kFloat32, /*max_shard_bytes=*/20000);
    CHECK(fs::exists(dir.file("sharded") + "/model.safetensors.index.json"));
    CHECK(safetensors_names(dir.file("sharded")) == names);
    require_same_weights(m, LLaDAModel::load(dir.file("sharded")));
  }
  SECTION("bf16 on disk") {
    m.save(dir.file("bf16"), torch::kBFloat16);
    LoadOptions bf;
    bf.dtype = torch::kBFloat16;
    const LLaDAModel b = LLaDAModel::load(dir.file("bf16"), bf);
    const auto ids = torch::randint(0, 260, {1, 6}, torch::kLong);
    CHECK(torch::allclose(b.forward(ids).to(torch::kFloat32), m.forward(ids), 0.1, 0.1));
  }
  SECTION("tied: no lm_head tensor, the head is the embedding") {
    const LLaDAModel t = tiny_dream(4, /*tied=*/true);
    t.save(dir.file("tied"));
    const auto tn = safetensors_names(dir.file("tied"));
    CHECK(std::count(tn.begin(), tn.end(), std::string("lm_head.weight")) == 0);
    const LLaDAModel tb = LLaDAModel::load(dir.file("tied"));
    const auto ids = torch::randint(0, 260, {1, 5}, torch::kLong);
    CHECK(torch::equal(tb.forward(ids), t.forward(ids)));
  }
  SECTION("an LLaDA-named tensor in a Dream checkpoint is an error naming it") {
    m.save(dir.file("x"));
    ModelConfig llada = trafl::test::tiny_llada_config();
    std::string err;
    try {
      LLaDAModel::load(llada, dir.file("x"), {});
    } catch (const trafl::InputError& e) {
      err = e.what();
    }
    CHECK_THAT(err, Catch::Contains("model.transformer.wte.weight"));
  }
}

TEST_CASE("Dream forward = hand-written reference, with the logit shift", "[dream][model]") {
  trafl::test::torch_test_threads();
  torch::NoGradGuard ng;
  for (bool tied : {false, true}) {
    const LLaDAModel m = tiny_dream(11, tied);
    const torch::Tensor ids = torch::randint(0, 260, {2, 9}, torch::kLong);
    const torch::Tensor raw = reference_unshifted_logits(m, ids);  // [2, 9, V]
    const torch::Tensor got = m.forward(ids);
    REQUIRE(got.sizes() == torch::IntArrayRef({2, 9, 264}));
    // Position i is predicted from hidden state i-1; position 0 keeps its own (Dream's cat).
    CHECK(torch::allclose(got.narrow(1, 1, 8), raw.narrow(1, 0, 8), 1e-4, 1e-5));
    CHECK(torch::allclose(got.narrow(1, 0, 1), raw.narrow(1, 0, 1), 1e-4, 1e-5));
    // The shift is real: unshifted logits differ.
    CHECK_FALSE(torch::allclose(got.narrow(1, 1, 8), raw.narrow(1, 1, 8), 1e-2, 1e-2));
    // A slice [s, s+n) reads hidden states [s-1, s+n-1).
    const torch::Tensor part = m.forward(ids, {}, 4, 3);
    CHECK(torch::allclose(part, raw.narrow(1, 3, 3), 1e-4, 1e-5));
    CHECK(torch::allclose(m.forward(ids, {}, 0, 2), got.narrow(1, 0, 2), 1e-5, 1e-6));
  }
}

TEST_CASE("Dream left padding: positions from the mask, same logits as alone", "[dream][model]") {
  trafl::test::torch_test_threads();
  torch::NoGradGuard ng;
  const LLaDAModel m = tiny_dream(5);
  const torch::Tensor row = torch::randint(0, 260, {1, 6}, torch::kLong);
  const torch::Tensor padded = torch::cat({torch::full({1, 3}, 257, torch::kLong), row}, 1);
  const torch::Tensor am = torch::cat({torch::zeros({1, 3}, torch::kLong), torch::ones({1, 6}, torch::kLong)}, 1);
  const torch::Tensor alone = m.forward(row, {}, 1, 5);
  const torch::Tensor got = m.forward(padded, am, 4, 5);
  // Same positions (cumsum(mask) - 1) and pads masked as keys: equal up to summation order.
  CHECK(torch::allclose(got, alone, 1e-5, 1e-6));
}

TEST_CASE("Dream without autograd (raw CPU forward) equals the differentiable forward, with a prefix cache",
          "[dream][model]") {
  // With autograd off on CPU the model runs its raw-buffer forward (llada_cpu.cpp); with autograd on,
  // the tensor one. Same function: biases, GQA, padded positions, the logit shift, cached keys.
  trafl::test::torch_test_threads();
  const LLaDAModel m = tiny_dream(13);
  const torch::Tensor ids = torch::randint(0, 260, {2, 12}, torch::kLong);
  torch::Tensor am = torch::ones({2, 12}, torch::kLong);
  am[0].narrow(0, 0, 3).fill_(0);  // row 0 left-padded
  for (const std::int64_t start : {0, 5}) {
    const torch::Tensor with_grad = m.forward(ids, am, start, 6).detach();
    torch::NoGradGuard ng;
    INFO("start " << start << ", max diff " << (m.forward(ids, am, start, 6) - with_grad).abs().max().item<double>());
    CHECK(torch::allclose(m.forward(ids, am, start, 6), with_grad, 1e-5, 1e-5));
  }
  // Cached prefix of 5 positions: the tensor path (autograd on) and the raw one agree, refill included.
  KVCache tensor_cache, raw_cache;
  const torch::Tensor tensor_first = m.forward_cached(ids, am, KVCache{}, 6, 4, &tensor_cache, 5).detach();
  const torch::Tensor tensor_next = m.forward_cached(ids.narrow(1, 5, 7), am, tensor_cache, 1, 4).detach();
  torch::NoGradGuard ng;
  CHECK(torch::allclose(m.forward_cached(ids, am, KVCache{}, 6, 4, &raw_cache, 5), tensor_first, 1e-5, 1e-5));
  REQUIRE(raw_cache.k.size() == tensor_cache.k.size());
  for (std::size_t l = 0; l < raw_cache.k.size(); ++l) {
    CHECK(torch::allclose(raw_cache.k[l], tensor_cache.k[l].detach(), 1e-5, 1e-5));
    CHECK(torch::allclose(raw_cache.v[l], tensor_cache.v[l].detach(), 1e-5, 1e-5));
  }
  CHECK(torch::allclose(m.forward_cached(ids.narrow(1, 5, 7), am, raw_cache, 1, 4), tensor_next, 1e-5, 1e-5));
}

TEST_CASE("the LLaDA sampler runs on Dream (shifted logits), per-sample reproducible", "[dream][sampler]") {
  trafl::test::torch_test_threads();
  const LLaDAModel m = tiny_dream(8);
  trafl::sampling::SamplerOptions o;
  trafl::sampling::fill_token_ids(o, m.config());
  o.gen_length = 16;
  o.steps = 8;
  o.block_length = 8;
  o.temperature = 1.0;
  o.seed = 3;
  const std::vector<std::int64_t> p1 = {10, 20, 30, 40}, p2 = {7, 8};
  const auto ts = trafl::sampling::sample(m, {p1, p2}, {{0, 0}, {1, 0}}, o);
  REQUIRE(ts.size() == 2);
  for (const auto& t : ts) {
    REQUIRE(t.size() == 16);
    for (std::size_t j = 0; j < t.size(); ++j) {
      CHECK(t.tokens[j] != o.mask_id);
      CHECK(t.step[j] / 4 == static_cast<std::int32_t>(j / 8));  // block j/8 is done in its 4 steps
    }
  }
  // Padded batch == alone (Dream positions make this exact up to float summation order).
  const auto alone = trafl::sampling::sample(m, {p2}, {{1, 0}}, o);
  CHECK(alone[0].tokens == ts[1].tokens);
  CHECK(alone[0].step == ts[1].step);
}

TEST_CASE("init-model and generate accept a Dream config", "[dream][cli]") {
  trafl::test::TempDir dir;
  trafl::model::write_model_config(dir.file("config.json"), tiny_dream_config());
  const auto init = trafl::test::run_cli("init-model --config " + dir.file("config.json") + " --out " + dir.file("m"));
  INFO(init.out);
  REQUIRE(init.exit_code == 0);
  CHECK(trafl::model::read_model_config(dir.file("m")).family == ModelFamily::kDream);
  const auto gen = trafl::test::run_cli("generate --model " + dir.file("m") +
                                        " --prompt 'Hi' --gen-length 8 --steps 4 --block-length 8 --json --threads 2");
  INFO(gen.out);
  REQUIRE(gen.exit_code == 0);
  CHECK_THAT(gen.out, Catch::Contains("\"tokens\""));
}

// SFT of a Dream checkpoint with its own chat template: a Qwen-style tokenizer (no LLaDA special tokens),
// the ChatML template beside the weights, `train --method sft --chat`. Used to stop at the SFT layout
// asking the tokenizer for LLaDA's <|startoftext|>.
TEST_CASE("SFT trains a Dream checkpoint through its own chat template", "[dream][cli][training]") {
  trafl::test::TempDir dir;
  trafl::tok::TinyTokenizerOptions o;
  o.special_tokens = {"<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|mask|>"};  // 256..259
  trafl::tok::write_tiny_tokenizer(dir.file("tokenizer.json"), o);
  ModelConfig c = tiny_dream_config();
  c.eos_token_ids = {256};
  c.pad_token_id = 256;
  c.mask_token_id = 259;
  trafl::model::write_model_config(dir.file("config.json"), c);
  const auto init = trafl::test::run_cli("init-model --config " + dir.file("config.json") + " --tokenizer " +
                                         dir.file("tokenizer.json") + " --out " + dir.file("m") + " --quiet");
  INFO(init.out);
  REQUIRE(init.exit_code == 0);
  trafl::test::write_file(dir.file("m/chat_template.jinja"),
                          "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
                          "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}");
  trafl::test::write_file(dir.file("sft.jsonl"),
                          "{\"prompt\": \"1+1=\", \"response\": \"2\"}\n"
                          "{\"prompt\": \"2+2=\", \"response\": \"4\"}\n");
  const auto train = trafl::test::run_cli(
      "train --method sft --model " + dir.file("m") + " --out " + dir.file("out") + " --sft-data " +
      dir.file("sft.jsonl") + " --chat --response-length 6 --batch 2 --steps 2 --lr 1e-3 --threads 1 --quiet");
  INFO(train.out);
  REQUIRE(train.exit_code == 0);
  const auto saved = nlohmann::json::parse(trafl::test::read_file(dir.file("out/train_config.json")));
  CHECK_THAT(saved.at("chat_template").get<std::string>(), Catch::Contains("chat_template.jinja"));
  CHECK(fs::exists(dir.file("out/chat_template.jinja")));  // the trained checkpoint keeps its template
}
