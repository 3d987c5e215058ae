// Raw-pointer f32 CPU kernels of the no-autograd forward (see cpu_kernels.hpp).
#include "model/cpu_kernels.hpp"

#include <torch/torch.h>  // a LibTorch unit (CMakeLists.txt selects them by this line)

#include <algorithm>
#include <cmath>

#include "model/cpu_blas.hpp"
#include "model/cpu_threads.hpp"

namespace trafl::model::cpu {

void rms_rows(const float* x, std::int64_t ldx, float* y, std::int64_t ldy, std::int64_t rows, std::int64_t D,
              double eps) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* __restrict xr = x + r * ldx;
    float* __restrict yr = y + r * ldy;
    // Eight partial sums: independent chains that the compiler turns into vector adds (one running
    // sum is a serial chain of dependent adds, measured ~1 ns per element).
    float part[8] = {};
    std::int64_t j = 0;
    for (; j + 8 <= D; j += 8)
      for (int k = 0; k < 8; ++k) part[k] += xr[j + k] * xr[j + k];
    double ss = 0;
    for (; j < D; ++j) ss += static_cast<double>(xr[j]) * xr[j];
    for (const float p : part) ss += p;
    const float scale = static_cast<float>(1.0 / std::sqrt(ss / static_cast<double>(D) + eps));
    for (std::int64_t j = 0; j < D; ++j) yr[j] = xr[j] * scale;
  }
}

const RopeTable& rope_table(double theta, std::int64_t hd, std::int64_t positions) {
  thread_local RopeTable t;
  const std::int64_t half = hd / 2;
  if (t.theta == theta && t.half == half && t.positions >= positions) return t;
  // Grown geometrically: a sampler's sequence length is fixed, a scorer's varies a little.
  const std::int64_t n = std::max(positions, t.theta == theta && t.half == half ? 2 * t.positions : positions);
  t.theta = theta;
  t.half = half;
  t.positions = n;
  t.cos_.assign(static_cast<std::size_t>(n * half), 0.0f);
  t.sin_.assign(static_cast<std::size_t>(n * half), 0.0f);
  // As the tensor path: inv_freq = 1 / theta^(2i/hd) and position · inv_freq in fp32.
  std::vector<float> inv_freq(static_cast<std::size_t>(half));
  for (std::int64_t i = 0; i < half; ++i)
    inv_freq[static_cast<std::size_t>(i)] =
        1.0f / std::pow(static_cast<float>(theta), static_cast<float>(2 * i) / static_cast<float>(hd));
  for (std::int64_t p = 0; p < n; ++p)
    for (std::int64_t i = 0; i < half; ++i) {
      const float f = static_cast<float>(p) * inv_freq[static_cast<std::size_t>(i)];
      t.cos_[static_cast<std::size_t>(p * half + i)] = std::cos(f);
      t.sin_[static_cast<std::size_t>(p * half + i)] = std::sin(f);
    }
  return t;
}

void rope_heads(float* x, std::int64_t heads, std::int64_t hd, const float* cos, const float* sin, float scale) {
  const std::int64_t half = hd / 2;
  for (std::int64_t h = 0; h < heads; ++h) {
    float* __restrict x1 = x + h * hd;
    float* __restrict x2 = x1 + half;
    const float* __restrict c = cos;
    const float* __restrict s = sin;
    for (std::int64_t i = 0; i < half; ++i) {
      const float a = x1[i], b = x2[i];
      x1[i] = (a * c[i] - b * s[i]) * scale;
      x2[i] = (b * c[i] + a * s[i]) * scale;
    }
  }
}

void attention(const AttentionArgs& a) {
  const std::int64_t L = a.L, hd = a.hd, group = a.H / a.Hkv;
  const std::int64_t Lk = a.length[0] + (a.segments > 1 ? a.length[1] : 0);
  const std::int64_t pairs = a.B * a.H;
  // Scores of up to ~1 MiB of (row, head) pairs [n, L, Lk] in one buffer that gets one softmax.
  const std::int64_t cap =
      std::clamp<std::int64_t>((std::int64_t{1} << 18) / std::max<std::int64_t>(L * Lk, 1), 1, pairs);
  thread_local std::vector<float> buffer;
  if (buffer.size() < static_cast<std::size_t>(cap * L * Lk)) buffer.resize(static_cast<std::size_t>(cap * L * Lk));
  float* sp = buffer.data();
  // Products of [L x hd] x [hd x Lk] gain nothing from a second BLAS thread (waking it costs more).
  const SingleThreadedBlas one_thread;
  for (std::int64_t s0 = 0; s0 < pairs; s0 += cap) {
    const std::int64_t n = std::min(cap, pairs - s0);
    for (std::int64_t p = s0; p < s0 + n; ++p) {
      const std::int64_t b = p / a.H, h = p % a.H, g = h / group;
      float* sc = sp + (p - s0) * L * Lk;
      const float* q = a.q.p + b * a.q.batch + h * a.q.head;
      std::int64_t col = 0;
      for (int s = 0; s < a.segments; ++s) {
        const Strided& k = a.k[s];
        cpu_sgemm(/*trans_b=*/true, L, a.length[s], hd, q, a.q.row, k.p + b * k.batch + g * k.head, k.row, sc + col,
                  Lk);
        col += a.length[s];
      }
      if (a.bias) {  // the key-padding bias of row b, on every query
        const float* br = a.bias + b * Lk;
        for (std::int64_t i = 0; i < L; ++i)
          for (std::int64_t j = 0; j < Lk; ++j) sc[i * Lk + j] += br[j];
      }
    }
    torch::Tensor scores = torch::from_blob(sp, {n, L, Lk}, torch::kFloat32);
    at::_softmax_out(scores, scores, -1, false);
    for (std::int64_t p = s0; p < s0 + n; ++p) {
      const std::int64_t b = p / a.H, h = p % a.H, g = h / group;
      const float* sc = sp + (p - s0) * L * Lk;
      float* out = a.out + b * a.out_batch + h * hd;
      std::int64_t col = 0;
      for (int s = 0; s < a.segments; ++s) {
        const Strided& v = a.v[s];
        cpu_sgemm(/*trans_b=*/false, L, hd, a.length[s], sc + col, Lk, v.p + b * v.batch + g * v.head, v.row, out,
                  a.out_row, /*beta=*/s == 0 ? 0.0f : 1.0f);
        col += a.length[s];
      }
    }
  }
}

void silu_mul(float* g, std::int64_t ldg, const float* u, std::int64_t ldu, std::int64_t rows, std::int64_t m) {
  // LibTorch's vectorised exp, in calls under its parallel grain (32768 elements) of whole rows: each
  // row then goes through the same vector loop and scalar tail whatever `rows` and the thread count
  // (a call split over threads could cut a row elsewhere, and the tail rounds differently).
  const std::int64_t per_call = std::max<std::int64_t>(1, 32767 / std::max<std::int64_t>(m, 1));
  for (std::int64_t r0 = 0; r0 < rows; r0 += per_call) {
    torch::Tensor gate = torch::from_blob(g + r0 * ldg, {std::min(per_call, rows - r0), m}, {ldg, 1}, torch::kFloat32);
    at::silu_(gate);
  }
  for (std::int64_t r = 0; r < rows; ++r) {
    float* __restrict gr = g + r * ldg;
    const float* __restrict ur = u + r * ldu;
    for (std::int64_t j = 0; j < m; ++j) gr[j] *= ur[j];
  }
}

}  // namespace trafl::model::cpu
