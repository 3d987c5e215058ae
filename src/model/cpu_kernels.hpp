#pragma once
// The f32 CPU kernels of the no-autograd forward (llada_cpu.cpp, and llada.cpp's BLAS attention), on
// raw pointers (torch-free header).
//
// Why raw pointers: at batch 1 the tiny model's step is ~200 tensor operations per forward around
// ~20 matrix products; each operation costs 1-3 µs of dispatch, allocation and TensorIterator set-up
// before any arithmetic, which was ~25% of a step. These kernels work in place on one activation
// buffer; only the exp-heavy parts (softmax, SiLU) go to LibTorch's vectorised kernels, one call
// per layer.
#include <cstdint>
#include <vector>

namespace trafl::model::cpu {

// y[r] = x[r] / sqrt(mean(x[r]²) + eps) for `rows` rows of D floats (row strides ldx, ldy): RMSNorm
// without its weight (the inference pack folds it into the next matrix).
void rms_rows(const float* x, std::int64_t ldx, float* y, std::int64_t ldy, std::int64_t rows, std::int64_t D,
              double eps);

// cos and sin of position · theta^(-2i/hd), i < hd/2, for integer positions [0, n): the split-halves
// RoPE's tables, computed as the tensor path does (fp32 frequencies, then cos/sin). One per thread,
// kept between calls and grown when a longer sequence comes.
struct RopeTable {
  double theta = 0;
  std::int64_t half = 0, positions = 0;  // hd/2; positions tabulated
  std::vector<float> cos_, sin_;         // [positions, half]
  const float* cos(std::int64_t position) const { return cos_.data() + position * half; }
  const float* sin(std::int64_t position) const { return sin_.data() + position * half; }
};
const RopeTable& rope_table(double theta, std::int64_t hd, std::int64_t positions);

// Split-halves RoPE in place on `heads` consecutive heads of hd floats: (x1, x2) -> ((x1·cos -
// x2·sin)·scale, (x2·cos + x1·sin)·scale), with cos / sin the table's row for the token's position.
void rope_heads(float* x, std::int64_t heads, std::int64_t hd, const float* cos, const float* sin, float scale);

// A strided [B, heads, rows, hd] matrix with contiguous hd: element (b, h, i, :) at
// p + b·batch + h·head + i·row.
struct Strided {
  const float* p = nullptr;
  std::int64_t batch = 0, head = 0, row = 0;
};

// softmax(q kᵀ + bias) v for every (row b, head h), scores and softmax in f32. q [B, H, L, hd] is
// already scaled by 1/√hd; keys/values come in up to two segments along the key axis (a cached
// prefix, then this call's own), [B, Hkv, len_s, hd] each; head h reads KV head h / (H / Hkv) (GQA).
// bias [B, Lk] (0 or the f32 minimum at padded keys) is added to every query's scores, or null.
// out (b, i, h·hd + j) at out + b·out_batch + i·out_row + h·hd + j. BLAS runs single-threaded.
struct AttentionArgs {
  std::int64_t B = 0, H = 0, Hkv = 0, L = 0, hd = 0;
  Strided q;
  int segments = 0;
  Strided k[2], v[2];
  std::int64_t length[2] = {0, 0};
  const float* bias = nullptr;
  float* out = nullptr;
  std::int64_t out_batch = 0, out_row = 0;
};
void attention(const AttentionArgs& a);

// g = silu(g) · u, elementwise over `rows` rows of m floats (row strides ldg, ldu).
void silu_mul(float* g, std::int64_t ldg, const float* u, std::int64_t ldu, std::int64_t rows, std::int64_t m);

}  // namespace trafl::model::cpu
