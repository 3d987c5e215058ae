// The no-autograd forward on CPU in f32 with the inference pack (see llada.hpp for the math and
// run_rows for the tensor form of the same computation): llm.c-style, on one activation buffer.
//
// Row by row, each at its own length: padding is dropped (a row's T tokens are its real query
// tokens, its keys its real cached and own ones), so every product a row takes part in has shapes
// fixed by that row alone and runs on one thread. OpenBLAS rounds a product's row differently for
// different numbers of rows and of threads (docs/reproducibility.md has the measurements), so this
// is what makes a row's logits independent of its batch-mates, its padding and the thread count.
// Padded query positions are computed (as their own segment) only when the LM head reads one.
//
// Per row (T tokens, D = d_model, Q = (H + 2·Hkv)·hd, m = mlp_hidden):
//   x   [T, D]   the residual stream, from the embedding
//   xn  [T, D]   RMSNorm(x) (the norm weight is folded into the next matrix by the pack)
//   qkv [T, Q]   xn · Wqkvᵀ (+ bias); RoPE in place on q (times 1/√hd) and k
//   att [T, H·hd] attention over the cached keys then this call's, straight from qkv's columns
//   x  += att · Woᵀ       (BLAS beta = 1: the residual add is part of the product)
//   gu  [T, 2m]  RMSNorm(x) · Wgateupᵀ; gate ← silu(gate) · up, in place
//   x  += gate · Wdownᵀ   (gate read with row stride 2m)
// then RMSNorm of the requested positions and the LM head into the row's [n, E] of the result.
#include "model/llada.hpp"

#include <torch/torch.h>  // a LibTorch unit (CMakeLists.txt selects them by this line)

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>
#include <vector>

#include "model/cpu_blas.hpp"
#include "model/cpu_kernels.hpp"
#include "model/cpu_threads.hpp"

namespace trafl::model {
namespace {

bool f32_contiguous(const torch::Tensor& t) {
  return !t.defined() || (t.is_cpu() && t.scalar_type() == torch::kFloat32 && t.is_contiguous());
}

}  // namespace

bool LLaDAModel::raw_cpu_forward_ok() const {
  if (!device().is_cpu() || dtype() != torch::kFloat32 || !have_cpu_sgemm()) return false;
  if (!f32_contiguous(wte_)) return false;
  for (const LLaDABlock& b : blocks_)
    if (!f32_contiguous(b.attn_out) || !f32_contiguous(b.ff_out)) return false;
  return true;
}

torch::Tensor LLaDAModel::run_rows_cpu(const torch::Tensor& ids_in, const torch::Tensor& attention_mask,
                                       std::int64_t logits_start, std::int64_t logits_len, const KVCache* cache,
                                       KVCache* refill, std::int64_t refill_length, const PackedWeights& pack) const {
  const ModelConfig& c = config_;
  const torch::Tensor ids = ids_in.contiguous();
  const std::int64_t P = cache && !cache->empty() ? cache->length : 0;
  const std::int64_t B = ids.size(0), L = ids.size(1), Lk = P + L;
  const std::int64_t H = c.n_heads, Hkv = c.n_kv_heads, hd = c.head_dim(), D = c.d_model;
  const std::int64_t Q = (H + 2 * Hkv) * hd, A = H * hd, m = c.mlp_hidden_size, E = c.embedding_size;
  const std::int64_t n = logits_len < 0 ? L - logits_start : logits_len;
  const std::int64_t R = refill ? refill_length : 0;

  // Each row's real tokens [first, end) over the whole sequence (cached prefix + ids). A row whose
  // real tokens are not one run (a pad between two real tokens) or that has none is not handled
  // here: the caller takes the tensor path for the batch.
  std::vector<std::int64_t> first(static_cast<std::size_t>(B), 0), end(static_cast<std::size_t>(B), Lk);
  if (attention_mask.defined()) {
    const torch::Tensor keep = attention_mask.to(torch::kCPU).to(torch::kBool).contiguous();
    const bool* kp = keep.data_ptr<bool>();
    for (std::int64_t b = 0; b < B; ++b) {
      const bool* row = kp + b * Lk;
      const std::int64_t f = std::find(row, row + Lk, true) - row;
      const std::int64_t e =
          Lk - (std::find(std::make_reverse_iterator(row + Lk), std::make_reverse_iterator(row), true) -
                std::make_reverse_iterator(row + Lk));
      if (f >= e || !std::all_of(row + f, row + e, [](bool k) { return k; })) return {};
      first[static_cast<std::size_t>(b)] = f;
      end[static_cast<std::size_t>(b)] = e;
    }
  }
  // The cached K/V [B, Hkv, P, hd] with a contiguous head dimension (the cache may be a view).
  std::vector<torch::Tensor> cached_k, cached_v;
  for (std::size_t l = 0; l < blocks_.size() && P > 0; ++l) {
    cached_k.push_back(cache->k[l].stride(3) == 1 ? cache->k[l] : cache->k[l].contiguous());
    cached_v.push_back(cache->v[l].stride(3) == 1 ? cache->v[l] : cache->v[l].contiguous());
  }
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(hd)));
  const std::int64_t* idp = ids.data_ptr<std::int64_t>();
  for (std::int64_t t = 0; t < B * L; ++t)
    TORCH_CHECK(idp[t] >= 0 && idp[t] < wte_.size(0), "LLaDAModel::forward: token id ", idp[t],
                " outside the embedding [0, ", wte_.size(0), ")");
  torch::Tensor logits = torch::empty({B, n, E}, torch::kFloat32);
  // Refilled K/V [B, Hkv, R, hd]; padded positions stay 0 (their keys are masked wherever the cache
  // is read, and a finite 0 times a zero weight adds nothing).
  std::vector<torch::Tensor> refill_k, refill_v;
  for (std::size_t l = 0; l < blocks_.size() && refill; ++l) {
    refill_k.push_back(torch::zeros({B, Hkv, R, hd}, torch::kFloat32));
    refill_v.push_back(torch::zeros({B, Hkv, R, hd}, torch::kFloat32));
  }

  // One row, alone: every product, norm and softmax it takes part in has shapes fixed by that row
  // (its own real tokens, its own keys), runs on one thread with single-threaded BLAS, and reads
  // nothing of the other rows. So its result is bit for bit what it would be in any batch, at any
  // thread count (see docs/reproducibility.md: OpenBLAS rounds a row differently for different
  // numbers of rows and threads).
  auto run_row = [&](std::int64_t b) {
    const std::int64_t f = first[static_cast<std::size_t>(b)], e = end[static_cast<std::size_t>(b)];
    // Real queries [qs, qe) (absolute positions), real cached keys [f, f + Pc).
    const std::int64_t qs = std::max(f, P), qe = std::max(e, qs), Lr = qe - qs;
    const std::int64_t Pc = std::max<std::int64_t>(0, std::min(e, P) - f);
    // The query position whose hidden state gives output j (Dream: p - 1 predicts p; p = 0 its own).
    auto source = [&](std::int64_t j) {
      const std::int64_t i = logits_start + j;
      return P + (c.logit_shift ? std::max<std::int64_t>(i - 1, 0) : i);
    };
    // Padded query positions are computed only when the LM head reads one (their own segment, so
    // that the real tokens' products keep their shapes): each attends to the row's real keys.
    bool pads = false;
    for (std::int64_t j = 0; j < n && !pads; ++j) pads = source(j) < qs || source(j) >= qe;
    const std::int64_t Np = pads ? L - Lr : 0, T = Lr + Np;
    // Token t of the buffer: real tokens first (absolute qs + t), then the pads in order.
    auto absolute = [&](std::int64_t t) {
      return t < Lr ? qs + t : (t - Lr < qs - P ? P + t - Lr : qe + t - Lr - (qs - P));
    };
    auto token_of = [&](std::int64_t a) {
      return a >= qs && a < qe ? a - qs : Lr + (a < qs ? a - P : qs - P + a - qe);
    };

    thread_local std::vector<float> buffer;
    const std::size_t need = static_cast<std::size_t>(T * (2 * D + Q + A + 2 * m) + n * D);
    if (buffer.size() < need) buffer.resize(need);
    float* x = buffer.data();
    float* xn = x + T * D;
    float* qkv = xn + T * D;
    float* att = qkv + T * Q;
    float* gu = att + T * A;
    float* xf = gu + T * 2 * m;
    // Positions count the row's real tokens (cumsum(mask) - 1; pads 1), as the tensor path.
    const cpu::RopeTable& rope = cpu::rope_table(c.rope_theta, hd, std::max<std::int64_t>(e - f, 2));
    const float* wte = wte_.data_ptr<float>();
    for (std::int64_t t = 0; t < T; ++t)
      std::memcpy(x + t * D, wte + idp[b * L + absolute(t) - P] * D, static_cast<std::size_t>(D) * sizeof(float));

    // y[T, N] (+)= in[T, K] · Wᵀ as two products, real tokens then pads, never one spanning both.
    auto gemm = [&](std::int64_t N, std::int64_t K, const float* in, std::int64_t ldi, const float* W, float* out,
                    std::int64_t ldo, float beta) {
      if (Lr > 0) cpu_sgemm(/*trans_b=*/true, Lr, N, K, in, ldi, W, K, out, ldo, beta);
      if (Np > 0) cpu_sgemm(/*trans_b=*/true, Np, N, K, in + Lr * ldi, ldi, W, K, out + Lr * ldo, ldo, beta);
    };
    for (std::size_t l = 0; l < blocks_.size(); ++l) {
      const PackedWeights::Block& pb = pack.blocks[l];
      const LLaDABlock& blk = blocks_[l];
      cpu::rms_rows(x, D, xn, D, T, D, c.rms_norm_eps);
      float beta = 0.0f;
      if (pb.qkv_bias.defined()) {
        const float* qb = pb.qkv_bias.data_ptr<float>();
        for (std::int64_t t = 0; t < T; ++t) std::memcpy(qkv + t * Q, qb, static_cast<std::size_t>(Q) * sizeof(float));
        beta = 1.0f;
      }
      gemm(Q, D, xn, D, pb.qkv.data_ptr<float>(), qkv, Q, beta);
      for (std::int64_t t = 0; t < T; ++t) {
        const std::int64_t p = t < Lr ? qs + t - f : 1;
        cpu::rope_heads(qkv + t * Q, H, hd, rope.cos(p), rope.sin(p), scale);
        cpu::rope_heads(qkv + t * Q + A, Hkv, hd, rope.cos(p), rope.sin(p), 1.0f);
      }
      // Keys: the row's real cached ones, then its real own ones (read in place from qkv).
      cpu::AttentionArgs a;
      a.B = 1;
      a.H = H;
      a.Hkv = Hkv;
      a.hd = hd;
      if (Pc > 0) {
        const torch::Tensor &ck = cached_k[l], &cv = cached_v[l];
        a.k[a.segments] = {ck.data_ptr<float>() + b * ck.stride(0) + f * ck.stride(2), 0, ck.stride(1), ck.stride(2)};
        a.v[a.segments] = {cv.data_ptr<float>() + b * cv.stride(0) + f * cv.stride(2), 0, cv.stride(1), cv.stride(2)};
        a.length[a.segments++] = Pc;
      }
      if (Lr > 0) {
        a.k[a.segments] = {qkv + A, 0, hd, Q};
        a.v[a.segments] = {qkv + A + Hkv * hd, 0, hd, Q};
        a.length[a.segments++] = Lr;
      }
      a.out_row = A;
      for (const auto& [t0, rows] : {std::pair{std::int64_t{0}, Lr}, std::pair{Lr, Np}}) {
        if (rows == 0) continue;
        a.L = rows;
        a.q = {qkv + t0 * Q, 0, hd, Q};
        a.out = att + t0 * A;
        cpu::attention(a);
      }
      if (refill) {  // this row's K/V of real positions [f, min(e, R))
        float *rk = refill_k[l].data_ptr<float>() + b * Hkv * R * hd,
              *rv = refill_v[l].data_ptr<float>() + b * Hkv * R * hd;
        for (std::int64_t i = f; i < std::min(e, R); ++i)
          for (std::int64_t h = 0; h < Hkv; ++h) {
            const float *ks, *vs;
            if (i < P) {
              const torch::Tensor &ck = cached_k[l], &cv = cached_v[l];
              ks = ck.data_ptr<float>() + b * ck.stride(0) + h * ck.stride(1) + i * ck.stride(2);
              vs = cv.data_ptr<float>() + b * cv.stride(0) + h * cv.stride(1) + i * cv.stride(2);
            } else {
              ks = qkv + (i - qs) * Q + A + h * hd;
              vs = ks + Hkv * hd;
            }
            std::memcpy(rk + (h * R + i) * hd, ks, static_cast<std::size_t>(hd) * sizeof(float));
            std::memcpy(rv + (h * R + i) * hd, vs, static_cast<std::size_t>(hd) * sizeof(float));
          }
      }
      gemm(D, A, att, A, blk.attn_out.data_ptr<float>(), x, D, /*beta=*/1.0f);
      // SwiGLU MLP.
      cpu::rms_rows(x, D, xn, D, T, D, c.rms_norm_eps);
      gemm(2 * m, D, xn, D, pb.gate_up.data_ptr<float>(), gu, 2 * m, 0.0f);
      cpu::silu_mul(gu, 2 * m, gu + m, 2 * m, T, m);
      gemm(D, m, gu, 2 * m, blk.ff_out.data_ptr<float>(), x, D, /*beta=*/1.0f);
    }
    // The requested positions, RMSNorm (ln_f folded into the LM head), then the head: [n, E].
    for (std::int64_t j = 0; j < n; ++j)
      cpu::rms_rows(x + token_of(source(j)) * D, D, xf + j * D, D, 1, D, c.rms_norm_eps);
    if (n > 0)
      cpu_sgemm(/*trans_b=*/true, n, E, D, xf, D, pack.lm_head.data_ptr<float>(), D,
                logits.data_ptr<float>() + b * n * E, E);
  };
  // Rows spread over the threads; BLAS single-threaded throughout, batch of 1 included (a product
  // split over OpenBLAS's threads rounds differently from the same product on one thread).
  const SingleThreadedBlas one_thread;
  parallel_tasks(task_threads(), B, run_row);
  if (refill) {
    refill->length = R;
    refill->k = std::move(refill_k);
    refill->v = std::move(refill_v);
  }
  return logits;
}

}  // namespace trafl::model
