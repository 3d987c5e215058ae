// [invariance]: a row's logits and a sample's trajectory are the same bits whatever its batch-mates,
// its left padding and the thread count (the CPU no-autograd forward computes each row alone:
// src/model/llada_cpu.cpp, docs/reproducibility.md). Run under whatever BLAS kernel the environment
// selects: OpenBLAS's kernels round a product's row differently for different numbers of rows and
// threads, so these fail on an engine that batches rows into one product.
#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "model/llada.hpp"
#include "sampling/llada_sampler.hpp"
#include "test_model_util.hpp"
// Catch last: torch (glog) defines CHECK too, Catch must win.
#include <catch2/catch.hpp>

using trafl::model::KVCache;
using trafl::model::LLaDAModel;
using trafl::model::ModelConfig;
using namespace trafl::sampling;

namespace {

LLaDAModel invariance_model(bool dream) {
  ModelConfig c = trafl::test::tiny_llada_config(64, 2);
  if (dream) {
    c.family = trafl::model::ModelFamily::kDream;
    c.logit_shift = true;
    c.qkv_bias = true;
    c.n_kv_heads = 2;
    c.vocab_size = c.embedding_size;
    c.init_fn = "normal";
  }
  LLaDAModel m = LLaDAModel::init(c, dream ? 31 : 30);
  if (dream) {  // non-zero q/k/v biases
    torch::NoGradGuard ng;
    for (auto& [name, t] : m.named_parameters())
      if (name.find("bias") != std::string::npos) t.normal_(0.0, 0.1);
  }
  return m;
}

constexpr std::int64_t kGen = 8;  // generated positions after each prompt (the block asked for)
constexpr std::int64_t kMask = 261;

// Prompts of different lengths (3..14 tokens), each followed by kGen masks.
std::vector<std::vector<std::int64_t>> prompts() {
  std::vector<std::vector<std::int64_t>> out;
  for (std::int64_t len : {5, 14, 3, 9, 11, 7}) {
    std::vector<std::int64_t> p;
    for (std::int64_t j = 0; j < len; ++j) p.push_back((len * 37 + j * 11) % 256);
    out.push_back(p);
  }
  return out;
}

// The rows `which` left-padded into one batch: ids [B, Lp + kGen], mask, Lp.
struct Padded {
  torch::Tensor ids, mask;
  std::int64_t Lp = 0;
};
Padded pad(const std::vector<std::vector<std::int64_t>>& ps, const std::vector<std::size_t>& which) {
  Padded b;
  for (std::size_t r : which) b.Lp = std::max<std::int64_t>(b.Lp, static_cast<std::int64_t>(ps[r].size()));
  const std::int64_t B = static_cast<std::int64_t>(which.size()), L = b.Lp + kGen;
  b.ids = torch::full({B, L}, kMask, torch::kLong);
  b.mask = torch::ones({B, L}, torch::kLong);
  for (std::int64_t i = 0; i < B; ++i) {
    const auto& p = ps[which[static_cast<std::size_t>(i)]];
    const std::int64_t off = b.Lp - static_cast<std::int64_t>(p.size());
    b.ids[i].narrow(0, 0, off).fill_(257);
    b.mask[i].narrow(0, 0, off).fill_(0);
    b.ids[i].narrow(0, off, static_cast<std::int64_t>(p.size())).copy_(torch::tensor(p, torch::kLong));
  }
  return b;
}

// The logits of the generated block, plain and through the prefix cache (the first call refills the
// K/V of everything before the block, the second runs only the block against them).
struct BlockLogits {
  torch::Tensor plain, cached;
};
BlockLogits block_logits(const LLaDAModel& m, const Padded& b) {
  const std::int64_t shift = m.config().logit_shift ? 1 : 0, P = b.Lp - shift;
  BlockLogits out;
  out.plain = m.forward(b.ids, b.mask, b.Lp, kGen);
  KVCache cache;
  const torch::Tensor refilled = m.forward_cached(b.ids, b.mask, KVCache{}, b.Lp, kGen, &cache, P);
  CHECK(torch::equal(refilled, out.plain));
  out.cached = m.forward_cached(b.ids.narrow(1, P, b.ids.size(1) - P), b.mask, cache, shift, kGen);
  return out;
}

}  // namespace

TEST_CASE("a row's logits are the same bits alone and in batches of other sizes, paddings and thread counts",
          "[model][invariance]") {
  c10::InferenceMode im;
  const auto ps = prompts();
  for (const bool dream : {false, true}) {
    const LLaDAModel m = invariance_model(dream);
    // Each row alone (no padding, no mask), on one thread.
    trafl::model::set_cpu_threads(1);
    std::vector<BlockLogits> alone;
    for (std::size_t r = 0; r < ps.size(); ++r) alone.push_back(block_logits(m, pad(ps, {r})));
    const std::vector<std::vector<std::size_t>> batches = {{0, 1, 2, 3, 4, 5},
                                                           {2},
                                                           {1, 0},
                                                           {2, 4, 3},
                                                           {5, 2, 0, 1, 3},
                                                           {3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3}};
    for (const int threads : {1, 2}) {
      trafl::model::set_cpu_threads(threads);
      for (const auto& which : batches) {
        const BlockLogits got = block_logits(m, pad(ps, which));
        for (std::size_t i = 0; i < which.size(); ++i) {
          INFO("dream " << dream << ", threads " << threads << ", batch of " << which.size() << ", row " << i
                        << " (prompt " << which[i] << ")");
          const auto row = static_cast<std::int64_t>(i);
          CHECK(torch::equal(got.plain.narrow(0, row, 1), alone[which[i]].plain));
          CHECK(torch::equal(got.cached.narrow(0, row, 1), alone[which[i]].cached));
        }
      }
    }
  }
  trafl::test::torch_test_threads();
}

TEST_CASE("a row whose mask has a hole takes the tensor path and still computes the model", "[model][invariance]") {
  trafl::test::torch_test_threads();
  const LLaDAModel m = invariance_model(false);
  const torch::Tensor ids = torch::randint(0, 256, {2, 10}, torch::kLong);
  torch::Tensor mask = torch::ones({2, 10}, torch::kLong);
  mask[1][4] = 0;
  const torch::Tensor with_grad = m.forward(ids, mask, 2, 8).detach();
  c10::InferenceMode im;
  CHECK(torch::allclose(m.forward(ids, mask, 2, 8), with_grad, 1e-5, 1e-5));
}

TEST_CASE("a sample's trajectory is the same bits alone and in any batch, at 1 and 2 threads",
          "[sampler][invariance]") {
  const auto ps = prompts();
  for (const bool dream : {false, true}) {
    const LLaDAModel m = invariance_model(dream);
    for (const bool fast : {false, true}) {
      SamplerOptions o;
      fill_token_ids(o, m.config());
      o.eot_id = 260;
      o.gen_length = 16;
      o.steps = 16;
      o.block_length = 8;
      o.temperature = 0.7;
      o.seed = 5;
      o.fast = fast;
      o.threshold = 0.2;  // a random model's probabilities are small: let some steps commit several
      for (const Remasking rm : {Remasking::kLowConfidence, Remasking::kRandom}) {
        o.remasking = rm;
        trafl::model::set_cpu_threads(1);
        std::vector<Trajectory> alone;
        for (std::size_t r = 0; r < ps.size(); ++r) alone.push_back(sample(m, {ps[r]}, {{r, 0}}, o)[0]);
        for (const int threads : {1, 2}) {
          trafl::model::set_cpu_threads(threads);
          for (const std::vector<std::size_t>& which :
               {std::vector<std::size_t>{0, 1, 2, 3, 4, 5}, std::vector<std::size_t>{4, 1, 3}}) {
            std::vector<std::vector<std::int64_t>> batch;
            std::vector<SampleKey> keys;
            for (std::size_t r : which) {
              batch.push_back(ps[r]);
              keys.push_back({r, 0});
            }
            const auto got = sample(m, batch, keys, o);
            for (std::size_t i = 0; i < which.size(); ++i) {
              INFO("dream " << dream << ", fast " << fast << ", random remasking " << (rm == Remasking::kRandom)
                            << ", threads " << threads << ", batch of " << which.size() << ", prompt " << which[i]);
              CHECK(got[i] == alone[which[i]]);
            }
          }
        }
      }
    }
  }
  trafl::test::torch_test_threads();
}
