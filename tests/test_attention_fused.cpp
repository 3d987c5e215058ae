// [sdpa]: LibTorch's fused scaled_dot_product_attention (used on CUDA with LibTorch >= 2.1) equals the
// manual attention it replaces, for every mask the model builds. Runs on CPU, where the 2.x build has
// the same operator (scripts/check-builds runs it against Debian 13's LibTorch 2.6).
#include <torch/torch.h>

#include <limits>
#include <stdexcept>

#include "model/attention.hpp"
// Catch last: torch (glog) defines CHECK too, Catch must win.
#include <catch2/catch.hpp>

using trafl::model::fused_attention;
using trafl::model::fused_attention_available;
using trafl::model::manual_attention;

namespace {

// Key-padding bias as the model builds it: [B, 1, 1, Lk], 0 for a kept key, the lowest float for padding.
torch::Tensor padding_bias(const torch::Tensor& keep) {
  const auto B = keep.size(0), Lk = keep.size(1);
  return torch::zeros({B, 1, 1, Lk}, torch::kFloat32)
      .masked_fill(keep.logical_not().view({B, 1, 1, Lk}), std::numeric_limits<float>::lowest());
}

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kFloat32) - b.to(torch::kFloat32)).abs().max().item<double>();
}

}  // namespace

TEST_CASE("fused attention equals the manual attention (padding, GQA, bf16)", "[sdpa][model]") {
  torch::manual_seed(7);
  const std::int64_t B = 3, H = 4, L = 6, hd = 8;
  const torch::Tensor q = torch::randn({B, H, L, hd}) / std::sqrt(double(hd));
  const torch::Tensor k = torch::randn({B, H, L, hd}), v = torch::randn({B, H, L, hd});
  if (!fused_attention_available()) {
    // LibTorch 1.13 (Debian 12): the model keeps the manual path; the fused one must refuse loudly.
    CHECK_THROWS_AS(fused_attention(q, k, v, torch::Tensor()), std::logic_error);
    WARN(
        "SKIPPED: this LibTorch predates scaled_dot_product_attention with a scale (2.1); "
        "scripts/check-builds runs this test against LibTorch 2.6");
    return;
  }
  SECTION("no padding (the flash kernel's case on CUDA)") {
    const torch::Tensor want = manual_attention(q, k, v, torch::Tensor());
    const torch::Tensor got = fused_attention(q, k, v, torch::Tensor());
    REQUIRE(got.sizes() == torch::IntArrayRef({B, L, H * hd}));
    CHECK(max_abs_diff(got, want) < 1e-5);
  }
  SECTION("key padding, one row with every key padded") {
    torch::Tensor keep = torch::ones({B, L}, torch::kBool);
    keep.index_put_({0, torch::indexing::Slice(4, L)}, false);  // row 0: last two keys are padding
    keep.index_put_({2}, false);                                // row 2: nothing to attend to (uniform in both)
    const torch::Tensor bias = padding_bias(keep);
    CHECK(max_abs_diff(fused_attention(q, k, v, bias), manual_attention(q, k, v, bias)) < 1e-5);
    CHECK_FALSE(fused_attention(q, k, v, bias).isnan().any().item<bool>());
  }
  SECTION("grouped-query attention (2 key/value heads for 4 query heads)") {
    const torch::Tensor k2 = torch::randn({B, 2, L, hd}), v2 = torch::randn({B, 2, L, hd});
    CHECK(max_abs_diff(fused_attention(q, k2, v2, torch::Tensor()), manual_attention(q, k2, v2, torch::Tensor())) <
          1e-5);
  }
  SECTION("bf16 with padding agrees to bf16 precision") {
    torch::Tensor keep = torch::ones({B, L}, torch::kBool);
    keep.index_put_({1, torch::indexing::Slice(3, L)}, false);
    const torch::Tensor bias = padding_bias(keep);
    const auto bf = [](const torch::Tensor& t) { return t.to(torch::kBFloat16); };
    const torch::Tensor got = fused_attention(bf(q), bf(k), bf(v), bias);
    CHECK(got.scalar_type() == torch::kBFloat16);
    // Both round scores and outputs to bf16 (8 bits of mantissa) at different points: each is within
    // bf16 precision of the f32 result (outputs are O(1)), hence of each other.
    const torch::Tensor f32 = manual_attention(q, k, v, bias);
    CHECK(max_abs_diff(got, f32) < 5e-2);
    CHECK(max_abs_diff(manual_attention(bf(q), bf(k), bf(v), bias), f32) < 5e-2);
  }
  SECTION("a changed value changes the result (the comparison is not vacuous)") {
    torch::Tensor v3 = v.clone();
    v3.index_put_({0, 0, 0, 0}, 100.0);
    CHECK(max_abs_diff(fused_attention(q, k, v3, torch::Tensor()), manual_attention(q, k, v, torch::Tensor())) > 1e-2);
  }
}
