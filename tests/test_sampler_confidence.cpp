// [sampler][confidence]: the low-confidence softmax in float64 (default) or in the model's dtype
// (eval_llada.py's bf16). A constructed near-tie shows the bf16 confidence committing another
// position than the float64 one at T = 0 (docs/engine.md §5).
#include <torch/torch.h>

#include "core/error.hpp"
#include "model/llada.hpp"
#include "sampling/llada_sampler.hpp"
#include "test_model_util.hpp"
// Catch last: torch (glog) defines CHECK too, Catch must win.
#include <catch2/catch.hpp>

using namespace trafl::sampling;

TEST_CASE("confidence dtype: a bf16 near-tie commits another position than float64", "[sampler][confidence]") {
  // One row, a block of two masked positions, vocabulary of 2 (token 1 plays the others). Logits
  // z = 201/512 and 203/512 are exact in bf16; softmax(z, 0)[0] = sigmoid(z):
  //   position 0: 0.596897…, position 1: 0.597842… (float64: position 1 is more confident);
  // both lie in bf16's rounding interval around 0.59765625 (spacing 2^-8 in [0.5, 1)), so the bf16
  // softmax gives the two positions the same confidence and top-k takes the first.
  const torch::Tensor logits =
      torch::tensor({201.0 / 512, 0.0, 203.0 / 512, 0.0}, torch::kFloat64).view({1, 2, 2}).to(torch::kBFloat16);
  REQUIRE(logits.to(torch::kFloat64).view({4})[0].item<double>() == 201.0 / 512);  // exact in bf16
  const torch::Tensor x0 = logits.argmax(-1);                                      // token 0 at both
  const torch::Tensor f64 = commit_confidence(logits, x0, ConfidenceDtype::kFloat64);
  const torch::Tensor bf16 = commit_confidence(logits, x0, ConfidenceDtype::kModel);
  REQUIRE(f64.scalar_type() == torch::kFloat64);
  REQUIRE(bf16.scalar_type() == torch::kFloat64);
  CHECK(f64[0][0].item<double>() == Approx(1.0 / (1.0 + std::exp(-201.0 / 512))).epsilon(1e-12));
  CHECK(f64[0][1].item<double>() > f64[0][0].item<double>());
  CHECK(bf16[0][0].item<double>() == 0.59765625);
  CHECK(bf16[0][1].item<double>() == 0.59765625);
  // The sampler commits the top-k (k = 1 at this step) of the confidences.
  const std::int64_t commit_f64 = std::get<1>(f64.topk(1, -1))[0][0].item<std::int64_t>();
  const std::int64_t commit_bf16 = std::get<1>(bf16.topk(1, -1))[0][0].item<std::int64_t>();
  CHECK(commit_f64 == 1);
  CHECK(commit_bf16 == 0);  // the tie goes to the first position: the commit order is reversed
}

TEST_CASE("confidence dtype: names, and the sampler runs with either", "[sampler][confidence]") {
  CHECK(parse_confidence_dtype("f64") == ConfidenceDtype::kFloat64);
  CHECK(parse_confidence_dtype("model") == ConfidenceDtype::kModel);
  CHECK_THROWS_AS(parse_confidence_dtype("bf16"), trafl::UsageError);

  // With an f32 model "model" means an f32 softmax: a valid trajectory, the same tokens' confidences
  // to f32 precision wherever the commits agree (they may part at a near-tie).
  const auto model = trafl::model::LLaDAModel::init(trafl::test::tiny_llada_config(), 42);
  SamplerOptions o;
  fill_token_ids(o, model.config());
  o.gen_length = 8;
  o.steps = 4;
  o.block_length = 4;
  const std::vector<std::vector<std::int64_t>> prompts = {{5, 6, 7}};
  const std::vector<SampleKey> keys = {SampleKey{}};
  const auto a = sample(model, prompts, keys, o);
  o.confidence_dtype = ConfidenceDtype::kModel;
  const auto b = sample(model, prompts, keys, o);
  REQUIRE(a.size() == 1);
  REQUIRE(b.size() == 1);
  REQUIRE(b[0].size() == 8);
  for (std::size_t j = 0; j < 8; ++j) {
    CHECK(b[0].tokens[j] != o.mask_id);
    if (a[0].tokens[j] == b[0].tokens[j] && a[0].step[j] == b[0].step[j])
      CHECK(b[0].confidence[j] == Approx(a[0].confidence[j]).epsilon(1e-5));
  }
}
