// [sampler]: a model whose logits are not finite (NaN weights, an overflowing forward) fails the
// sampler, naming the step, instead of producing samples of token 0 (issue 22).
#include <torch/torch.h>

#include <limits>
#include <string>

#include "core/error.hpp"
#include "model/llada.hpp"
#include "sampling/llada_sampler.hpp"
#include "test_model_util.hpp"
// Catch last: torch (glog) defines CHECK too, Catch must win.
#include <catch2/catch.hpp>

using namespace trafl::sampling;
using trafl::model::LLaDAModel;

namespace {

SamplerOptions options_for(const LLaDAModel& m, bool fast, double temperature) {
  SamplerOptions o;
  fill_token_ids(o, m.config());
  o.gen_length = 8;
  o.steps = 4;
  o.block_length = 4;
  o.temperature = temperature;
  o.fast = fast;
  o.seed = 7;
  return o;
}

}  // namespace

TEST_CASE("sampler: non-finite logits fail the sample, naming the step", "[sampler]") {
  trafl::test::torch_test_threads();
  for (bool fast : {false, true}) {
    for (double temperature : {0.0, 1.0}) {
      INFO("fast " << fast << ", temperature " << temperature);
      LLaDAModel m = LLaDAModel::init(trafl::test::tiny_llada_config(), 3);
      const SamplerOptions o = options_for(m, fast, temperature);
      // The healthy model samples.
      CHECK(sample(m, {{1, 2, 3}}, {{0, 0}}, o).size() == 1);
      // NaN weights (the last parameter: ln_f or the LM head, through which every logit passes).
      LLaDAModel bad = LLaDAModel::init(trafl::test::tiny_llada_config(), 3);
      {
        torch::NoGradGuard guard;
        auto params = bad.named_parameters();
        REQUIRE(!params.empty());
        params.back().second.fill_(std::numeric_limits<float>::quiet_NaN());
      }
      try {
        sample(bad, {{1, 2, 3}, {4, 5}}, {{0, 0}, {1, 0}}, o);
        FAIL("sampled from a NaN model");
      } catch (const std::exception& e) {
        std::string msg = e.what();
        CHECK_THAT(msg, Catch::Contains("not finite") && Catch::Contains("step 0") && Catch::Contains("row 0"));
      }
    }
  }
  // Non-finite options are refused before any forward.
  LLaDAModel m = LLaDAModel::init(trafl::test::tiny_llada_config(), 3);
  SamplerOptions o = options_for(m, false, std::numeric_limits<double>::quiet_NaN());
  CHECK_THROWS_AS(sample(m, {{1}}, {{0, 0}}, o), trafl::UsageError);
  o.temperature = std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS(sample(m, {{1}}, {{0, 0}}, o), trafl::UsageError);
}
