// [training]: the SFT loss on a hand-computed case, LoRA adapters, the config reader, SFT data.
#include <torch/torch.h>

#include <cmath>

#include "core/error.hpp"
#include "model/llada.hpp"
#include "test_model_util.hpp"
#include "tests/support.hpp"
#include "training/lora.hpp"
#include "training/schedule.hpp"
#include "training/seeds.hpp"
#include "training/sft.hpp"
#include "training/sft_data.hpp"
#include "training/train_config.hpp"
#include <nlohmann/json.hpp>
// Catch last: torch (glog) defines CHECK too, Catch must win.
#include <catch2/catch.hpp>

using namespace trafl::training;
using trafl::model::LLaDAModel;

TEST_CASE("masked diffusion loss: value and gradient by hand", "[training][sft]") {
  // B = 2, R = 2, V = 3. Row 0: position 0 masked (p = 0.5); row 1: both masked (p = 0.25).
  torch::Tensor logits = torch::tensor({1.0, 2.0, 0.0, 0.5, 0.5, 0.5, 0.0, 0.0, 3.0, -1.0, 1.0, 0.0}, torch::kFloat32)
                             .view({2, 2, 3})
                             .requires_grad_(true);
  const torch::Tensor targets = torch::tensor({1, 0, 2, 1}, torch::kLong).view({2, 2});
  const torch::Tensor masked = torch::tensor({1, 0, 1, 1}, torch::kBool).view({2, 2});
  const torch::Tensor p = torch::tensor({0.5, 0.25}, torch::kFloat64);
  torch::Tensor loss = masked_diffusion_loss(logits, targets, masked, p);
  loss.backward();

  auto lse = [](std::vector<double> v) {
    double s = 0;
    for (double x : v) s += std::exp(x);
    return std::log(s);
  };
  const double ce00 = lse({1, 2, 0}) - 2.0;   // target 1
  const double ce10 = lse({0, 0, 3}) - 3.0;   // target 2
  const double ce11 = lse({-1, 1, 0}) - 1.0;  // target 1
  // (1/B) Σ_b (1/R) Σ_masked CE / p_b
  const double expected = 0.5 * (0.5 * (ce00 / 0.5) + 0.5 * ((ce10 + ce11) / 0.25));
  CHECK(loss.item<double>() == Approx(expected).epsilon(1e-6));

  // d/dlogits = (softmax - onehot) · weight, weight = 1/(B·R·p) on masked positions, 0 elsewhere.
  const torch::Tensor g = logits.grad();
  const torch::Tensor sm = torch::softmax(logits.detach(), -1);
  auto expect_grad = [&](int b, int j, int target, double w) {
    for (int v = 0; v < 3; ++v) {
      const double want = w * (sm[b][j][v].item<double>() - (v == target ? 1.0 : 0.0));
      CHECK(g[b][j][v].item<double>() == Approx(want).margin(1e-6));
    }
  };
  expect_grad(0, 0, 1, 1.0 / (2 * 2 * 0.5));
  expect_grad(0, 1, 0, 0.0);  // unmasked: no gradient
  expect_grad(1, 0, 2, 1.0 / (2 * 2 * 0.25));
  expect_grad(1, 1, 1, 1.0 / (2 * 2 * 0.25));
}

TEST_CASE("SFT masking never touches the prompt and follows p_mask", "[training][sft]") {
  trafl::test::torch_test_threads();
  const LLaDAModel m = LLaDAModel::init(trafl::test::tiny_llada_config(), 1);
  TokenizedExample a{{256, 10, 11}, {40, 41, 257, 257}, 3};
  TokenizedExample b{{256, 12}, {42, 257, 257, 257}, 2};
  const SftBatch batch = make_sft_batch({&a, &b}, 257);
  REQUIRE(batch.prompt_len == 3);
  REQUIRE(batch.response_len == 4);
  REQUIRE(batch.attention.defined());
  CHECK_FALSE(batch.attention[1][0].item<bool>());  // b is left-padded by one
  CHECK(batch.ids[1][1].item<std::int64_t>() == 256);
  // Same seed, same draws; t in (0, 1].
  const SftNoise n1 = draw_sft_noise(2, 4, 7), n2 = draw_sft_noise(2, 4, 7);
  CHECK(torch::equal(n1.t, n2.t));
  CHECK(torch::equal(n1.u, n2.u));
  CHECK((n1.t > 0).all().item<bool>());
  CHECK((n1.t <= 1).all().item<bool>());
  // t = 1 masks every response token (p = 1); the loss is finite and positive.
  SftNoise all{torch::ones({2}, torch::kFloat64), torch::full({2, 4}, 0.5, torch::kFloat64)};
  const SftLoss l = sft_loss(m, batch, all, 1e-3);
  CHECK(l.masked_tokens == 8);
  CHECK(l.loss.item<double>() > 0);
  // t -> 0 with u above p masks nothing: zero loss.
  SftNoise none{torch::full({2}, 1e-9, torch::kFloat64), torch::full({2, 4}, 0.9, torch::kFloat64)};
  CHECK(sft_loss(m, batch, none, 1e-3).masked_tokens == 0);
  CHECK(sft_loss(m, batch, none, 1e-3).loss.item<double>() == 0.0);
}

TEST_CASE("LoRA: zero B is the identity, only A/B get gradients, merge equals the adapter", "[training][lora]") {
  trafl::test::torch_test_threads();
  LLaDAModel m = LLaDAModel::init(trafl::test::tiny_llada_config(), 3);
  const torch::Tensor ids = torch::randint(0, 256, {2, 9}, torch::kLong);
  const torch::Tensor plain = m.forward(ids);

  LoraOptions o;
  o.rank = 4;
  o.alpha = 8;
  auto adapter = std::make_shared<LoraAdapter>(m, o, 11);
  CHECK(adapter->named_parameters().size() == 2u * 7u * 2u);  // 2 layers × 7 targets × (A, B)
  m.set_adapter(adapter);
  CHECK(torch::equal(m.forward(ids), plain));

  // Gradients: base weights are frozen (no grad), A gets none while B = 0, B does.
  m.forward(ids).pow(2).mean().backward();
  for (auto& [name, w] : m.named_parameters()) CHECK_FALSE(w.grad().defined());
  bool b_has_grad = false;
  for (auto& [name, t] : adapter->named_parameters()) {
    REQUIRE(t.grad().defined());
    if (name.find("lora_B") != std::string::npos) b_has_grad = b_has_grad || t.grad().abs().sum().item<double>() > 0;
  }
  CHECK(b_has_grad);

  // Random B: the adapted forward differs from the plain one; merging gives the same logits.
  {
    torch::NoGradGuard ng;
    for (auto& [name, t] : adapter->named_parameters())
      if (name.find("lora_B") != std::string::npos) t.normal_(0.0, 0.05);
  }
  torch::Tensor adapted;
  {
    torch::NoGradGuard ng;
    adapted = m.forward(ids);
  }
  CHECK_FALSE(torch::allclose(adapted, plain, 1e-4, 1e-4));
  m.set_adapter(nullptr);
  adapter->merge_into(m);
  torch::NoGradGuard ng;
  CHECK(torch::allclose(m.forward(ids), adapted, 1e-4, 1e-5));
}

TEST_CASE("LoRA targets accept LLaDA names and Llama aliases, reject others", "[training][lora]") {
  CHECK(parse_lora_target("attn_out") == trafl::model::Projection::kAttnOut);
  CHECK(parse_lora_target("o_proj") == trafl::model::Projection::kAttnOut);
  CHECK(parse_lora_target("down_proj") == trafl::model::Projection::kFfOut);
  CHECK_THROWS_AS(parse_lora_target("wte"), trafl::UsageError);
}

TEST_CASE("training config: unknown key and wrong type name the key", "[training][config]") {
  TrainConfig c;
  try {
    apply_json(c, nlohmann::json{{"steps", 3}, {"learning_rate", 0.1}}, "run.json");
    FAIL("no error");
  } catch (const trafl::InputError& e) {
    CHECK(e.field() == "learning_rate");
    CHECK(e.file() == "run.json");
    CHECK(std::string(e.what()).find("learning_rate") != std::string::npos);
  }
  try {
    apply_json(c, nlohmann::json{{"batch", "four"}}, "run.json");
    FAIL("no error");
  } catch (const trafl::InputError& e) {
    CHECK(e.field() == "batch");
  }
  CHECK_THROWS_AS(apply_json(c, nlohmann::json{{"seed", -1}}, "run.json"), trafl::InputError);
  // Round trip: the resolved JSON reads back to the same JSON.
  TrainConfig d;
  apply_json(
      d, nlohmann::json{{"method", "trafl"}, {"lr", 3e-6}, {"lora_targets", {"q_proj"}}, {"objective", {{"beta", 5}}}},
      "x");
  TrainConfig e;
  apply_json(e, nlohmann::json::parse(to_json(d).dump()), "y");
  CHECK(to_json(e) == to_json(d));
}

TEST_CASE("training config: task options carry the prompt style -- code fraction rewards run every test",
          "[training][config]") {
  TrainConfig c;
  apply_json(c, nlohmann::json{{"method", "trafl"}, {"task", "livecodebench"}, {"prompt_style", "short"}}, "x");
  CHECK(c.task_options().own.value("prompt_style", "") == "short");
  CHECK(c.task_options().run_all_tests);  // "fraction" is the default code reward
  apply_json(c, nlohmann::json{{"code_reward", "all"}}, "x");
  CHECK_FALSE(c.task_options().run_all_tests);  // all-or-nothing: LCB's stop-at-first-failure is exact
  TrainConfig math;
  apply_json(math, nlohmann::json{{"method", "trafl"}, {"task", "gsm8k"}}, "x");
  CHECK_FALSE(math.task_options().run_all_tests);  // math runs no code (make_task would refuse the option)
  CHECK_FALSE(math.task_options().runs_code());
}

TEST_CASE("SFT JSONL: a malformed line names file, line and field", "[training][data]") {
  trafl::test::TempDir dir;
  const std::string path = dir.file("sft.jsonl");
  trafl::test::write_file(path, "{\"prompt\": \"a\", \"response\": \"b\"}\n{\"prompt\": \"c\"}\n");
  try {
    read_sft_jsonl(path);
    FAIL("no error");
  } catch (const trafl::InputError& e) {
    CHECK(e.line() == 2);
    CHECK(e.field() == "response");
  }
  trafl::test::write_file(path, "{\"prompt\": \"a\", \"response\": \"b\"}\nnot json\n");
  try {
    read_sft_jsonl(path);
    FAIL("no error");
  } catch (const trafl::InputError& e) {
    CHECK(e.line() == 2);
  }
}

TEST_CASE("SFT tokens: EOT then EOS padding to R, truncation counted", "[training][data]") {
  trafl::test::TempDir dir;
  const trafl::tok::Tokenizer tk = trafl::tok::write_tiny_tokenizer(dir.file("tokenizer.json"), {});
  const TokenizedSet set = tokenize_pairs(tk, {{"1", "Q", "ab", ""}, {"2", "Q", "abcdefghij", ""}}, {true, 6});
  REQUIRE(set.examples.size() == 2);
  const TokenizedExample& e = set.examples[0];
  CHECK(e.response == std::vector<std::int64_t>{'a', 'b', 260, 257, 257, 257});  // EOT 260, EOS 257
  CHECK(e.content_tokens == 3);
  CHECK(set.examples[1].response.size() == 6u);
  CHECK(set.truncated == 1);
  CHECK(e.prompt.front() == 256);  // BOS from the chat template
}

TEST_CASE("SFT tokens: a checkpoint's chat template ends the response as that template ends a turn",
          "[training][data][chat]") {
  trafl::test::TempDir dir;
  trafl::tok::TinyTokenizerOptions o;
  o.special_tokens.push_back("<|im_start|>");
  o.special_tokens.push_back("<|im_end|>");
  const trafl::tok::Tokenizer tk = trafl::tok::write_tiny_tokenizer(dir.file("tokenizer.json"), o);
  trafl::test::write_file(dir.file("chat_template.jinja"),
                          "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
                          "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}");
  const TokenizedSet set = tokenize_pairs(tk, {{"1", "Q", "ab", ""}}, {true, 6});
  const std::int64_t im_end = tk.token_to_id("<|im_end|>").value();
  CHECK(set.examples[0].response == std::vector<std::int64_t>{'a', 'b', im_end, '\n', 257, 257});  // not EOT 260
  CHECK(set.examples[0].content_tokens == 4);
}

// Dream's tokenizer (Qwen2.5's) has none of LLaDA's special tokens: SFT needs only the padding id (the
// model's EOS) and the template's turn end, and used to refuse it asking for <|startoftext|>.
TEST_CASE("SFT tokens: a tokenizer without LLaDA's special tokens (Dream's) pads with the model's EOS",
          "[training][data][chat][dream]") {
  trafl::test::TempDir dir;
  trafl::tok::TinyTokenizerOptions o;
  o.special_tokens = {"<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|mask|>"};  // ids 256..259, as Dream's order
  const trafl::tok::Tokenizer tk = trafl::tok::write_tiny_tokenizer(dir.file("tokenizer.json"), o);
  REQUIRE_FALSE(tk.token_to_id(trafl::tok::kLladaBos).has_value());
  trafl::test::write_file(dir.file("chat_template.jinja"),
                          "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
                          "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}");
  const TokenizedSet set = tokenize_pairs(tk, {{"1", "Q", "ab", ""}}, {true, 6, /*pad_id=*/256});
  CHECK(set.examples[0].response == std::vector<std::int64_t>{'a', 'b', 258, '\n', 256, 256});
  CHECK(set.examples[0].prompt.front() == 257);  // <|im_start|>user …
  // Without a pad id the tokenizer's <|endoftext|> pads (the same id here, by content).
  CHECK(tokenize_pairs(tk, {{"1", "Q", "ab", ""}}, {true, 6}).examples[0].response.back() == 256);
}

TEST_CASE("schedule and seeds are pure functions of the step", "[training]") {
  CHECK(lr_factor(0, 10, 4, "constant", 0) == Approx(0.25));
  CHECK(lr_factor(3, 10, 4, "constant", 0) == Approx(1.0));
  CHECK(lr_factor(9, 10, 4, "constant", 0) == Approx(1.0));
  CHECK(lr_factor(4, 10, 4, "cosine", 0.1) == Approx(1.0));
  CHECK(lr_factor(9, 10, 4, "cosine", 0.1) == Approx(0.1));
  CHECK(epoch_order(10, 5, 0) == epoch_order(10, 5, 0));
  CHECK(epoch_order(10, 5, 0) != epoch_order(10, 5, 1));
  std::vector<std::size_t> o = epoch_order(10, 5, 3);
  std::sort(o.begin(), o.end());
  for (std::size_t i = 0; i < 10; ++i) CHECK(o[i] == i);
}
