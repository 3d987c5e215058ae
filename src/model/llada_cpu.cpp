// The no-autograd forward on CPU in f32 with the inference pack (see llada.hpp for the math and
// run_rows for the tensor form of the same computation): llm.c-style, on one activation buffer.
//
// Per chunk of B rows (T = B·L tokens, D = d_model, Q = (H + 2·Hkv)·hd, m = mlp_hidden):
//   x   [T, D]   the residual stream, from the embedding
//   xn  [T, D]   RMSNorm(x) (the norm weight is folded into the next matrix by the pack)
//   qkv [T, Q]   xn · Wqkvᵀ (+ bias); RoPE in place on q (times 1/√hd) and k
//   att [T, H·hd] attention over the cached keys then this call's, straight from qkv's columns
//   x  += att · Woᵀ       (BLAS beta = 1: the residual add is part of the product)
//   gu  [T, 2m]  RMSNorm(x) · Wgateupᵀ; gate ← silu(gate) · up, in place
//   x  += gate · Wdownᵀ   (gate read with row stride 2m)
// then RMSNorm of the requested positions and the LM head into the [B, n, E] result.
#include "model/llada.hpp"

#include <torch/torch.h>  // a LibTorch unit (CMakeLists.txt selects them by this line)

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "model/cpu_blas.hpp"
#include "model/cpu_kernels.hpp"

namespace trafl::model {
namespace {

bool f32_contiguous(const torch::Tensor& t) {
  return !t.defined() || (t.is_cpu() && t.scalar_type() == torch::kFloat32 && t.is_contiguous());
}

// A cached K or V [B, Hkv, P, hd] as strided rows (the cache may be a view: narrowed or chunked).
cpu::Strided strided(const torch::Tensor& t) { return {t.data_ptr<float>(), t.stride(0), t.stride(1), t.stride(2)}; }

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
  const std::int64_t B = ids.size(0), L = ids.size(1), Lk = P + L, T = B * L;
  const std::int64_t H = c.n_heads, Hkv = c.n_kv_heads, hd = c.head_dim(), D = c.d_model;
  const std::int64_t Q = (H + 2 * Hkv) * hd, A = H * hd, m = c.mlp_hidden_size, E = c.embedding_size;
  const std::int64_t n = logits_len < 0 ? L - logits_start : logits_len;
  const std::int64_t R = refill ? refill_length : 0;

  // Key-padding bias [B, Lk] (0 or the f32 minimum), only when some key is padding; the positions
  // of the query tokens [B, L]: P + i, or for Dream with padding cumsum(mask) - 1 (pads 1).
  std::vector<float> bias;
  std::vector<std::int64_t> pos(static_cast<std::size_t>(T));
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t i = 0; i < L; ++i) pos[static_cast<std::size_t>(b * L + i)] = P + i;
  if (attention_mask.defined()) {
    const torch::Tensor keep = attention_mask.to(torch::kCPU).to(torch::kBool).contiguous();
    const bool* kp = keep.data_ptr<bool>();
    if (!std::all_of(kp, kp + B * Lk, [](bool k) { return k; })) {
      bias.assign(static_cast<std::size_t>(B * Lk), 0.0f);
      for (std::int64_t j = 0; j < B * Lk; ++j)
        if (!kp[j]) bias[static_cast<std::size_t>(j)] = std::numeric_limits<float>::lowest();
      if (c.family == ModelFamily::Dream)
        for (std::int64_t b = 0; b < B; ++b) {
          std::int64_t real = 0;
          for (std::int64_t j = 0; j < Lk; ++j) {
            real += kp[b * Lk + j] ? 1 : 0;
            if (j >= P) pos[static_cast<std::size_t>(b * L + j - P)] = kp[b * Lk + j] ? real - 1 : 1;
          }
        }
    }
  }
  const cpu::RopeTable& rope = cpu::rope_table(c.rope_theta, hd, Lk);
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(hd)));

  // One buffer per thread for the activations, kept between calls (a sampler calls with the same
  // shapes every step).
  thread_local std::vector<float> buffer;
  const std::size_t need = static_cast<std::size_t>(T * (2 * D + Q + A + 2 * m) + B * n * D);
  if (buffer.size() < need) buffer.resize(need);
  float* x = buffer.data();
  float* xn = x + T * D;
  float* qkv = xn + T * D;
  float* att = qkv + T * Q;
  float* gu = att + T * A;
  float* xf = gu + T * 2 * m;

  const std::int64_t* idp = ids.data_ptr<std::int64_t>();
  const float* wte = wte_.data_ptr<float>();
  for (std::int64_t t = 0; t < T; ++t) {
    TORCH_CHECK(idp[t] >= 0 && idp[t] < wte_.size(0), "LLaDAModel::forward: token id ", idp[t],
                " outside the embedding [0, ", wte_.size(0), ")");
    std::memcpy(x + t * D, wte + idp[t] * D, static_cast<std::size_t>(D) * sizeof(float));
  }

  std::vector<torch::Tensor> refill_k, refill_v;
  for (std::size_t l = 0; l < blocks_.size(); ++l) {
    const PackedWeights::Block& pb = pack.blocks[l];
    const LLaDABlock& blk = blocks_[l];
    // q | k | v for every token, then RoPE (positions per token) on q and k.
    cpu::rms_rows(x, D, xn, D, T, D, c.rms_norm_eps);
    float beta = 0.0f;
    if (pb.qkv_bias.defined()) {
      const float* qb = pb.qkv_bias.data_ptr<float>();
      for (std::int64_t t = 0; t < T; ++t) std::memcpy(qkv + t * Q, qb, static_cast<std::size_t>(Q) * sizeof(float));
      beta = 1.0f;
    }
    cpu_sgemm(/*trans_b=*/true, T, Q, D, xn, D, pb.qkv.data_ptr<float>(), D, qkv, Q, beta);
    for (std::int64_t t = 0; t < T; ++t) {
      const std::int64_t p = pos[static_cast<std::size_t>(t)];
      cpu::rope_heads(qkv + t * Q, H, hd, rope.cos(p), rope.sin(p), scale);
      cpu::rope_heads(qkv + t * Q + A, Hkv, hd, rope.cos(p), rope.sin(p), 1.0f);
    }
    // Keys: the cached prefix [B, Hkv, P, hd], then this call's, read in place from qkv.
    const cpu::Strided k_now{qkv + A, L * Q, hd, Q}, v_now{qkv + A + Hkv * hd, L * Q, hd, Q};
    torch::Tensor ck, cv;
    if (P > 0) {
      ck = cache->k[l].stride(3) == 1 ? cache->k[l] : cache->k[l].contiguous();
      cv = cache->v[l].stride(3) == 1 ? cache->v[l] : cache->v[l].contiguous();
    }
    if (refill) {  // K/V of positions [0, R) for the next calls: [B, Hkv, R, hd]
      torch::Tensor rk = torch::empty({B, Hkv, R, hd}, torch::kFloat32), rv = torch::empty_like(rk);
      float *rkp = rk.data_ptr<float>(), *rvp = rv.data_ptr<float>();
      for (std::int64_t b = 0; b < B; ++b)
        for (std::int64_t h = 0; h < Hkv; ++h)
          for (std::int64_t i = 0; i < R; ++i) {
            const std::int64_t o = ((b * Hkv + h) * R + i) * hd;
            const cpu::Strided ks = i < P ? strided(ck) : k_now, vs = i < P ? strided(cv) : v_now;
            const std::int64_t r = i < P ? i : i - P;
            std::memcpy(rkp + o, ks.p + b * ks.batch + h * ks.head + r * ks.row, static_cast<std::size_t>(hd) * 4);
            std::memcpy(rvp + o, vs.p + b * vs.batch + h * vs.head + r * vs.row, static_cast<std::size_t>(hd) * 4);
          }
      refill_k.push_back(rk);
      refill_v.push_back(rv);
    }
    cpu::AttentionArgs a;
    a.B = B;
    a.H = H;
    a.Hkv = Hkv;
    a.L = L;
    a.hd = hd;
    a.q = {qkv, L * Q, hd, Q};
    if (P > 0) {
      a.k[a.segments] = strided(ck);
      a.v[a.segments] = strided(cv);
      a.length[a.segments++] = P;
    }
    a.k[a.segments] = k_now;
    a.v[a.segments] = v_now;
    a.length[a.segments++] = L;
    a.bias = bias.empty() ? nullptr : bias.data();
    a.out = att;
    a.out_batch = L * A;
    a.out_row = A;
    cpu::attention(a);
    cpu_sgemm(/*trans_b=*/true, T, D, A, att, A, blk.attn_out.data_ptr<float>(), A, x, D, /*beta=*/1.0f);
    // SwiGLU MLP.
    cpu::rms_rows(x, D, xn, D, T, D, c.rms_norm_eps);
    cpu_sgemm(/*trans_b=*/true, T, 2 * m, D, xn, D, pb.gate_up.data_ptr<float>(), D, gu, 2 * m);
    cpu::silu_mul(gu, 2 * m, gu + m, 2 * m, T, m);
    cpu_sgemm(/*trans_b=*/true, T, D, m, gu, 2 * m, blk.ff_out.data_ptr<float>(), m, x, D, /*beta=*/1.0f);
  }
  if (refill) {
    refill->length = R;
    refill->k = std::move(refill_k);
    refill->v = std::move(refill_v);
  }
  // The requested positions (Dream: position p is predicted from hidden state p - 1; p = 0 from its
  // own), RMSNorm (ln_f folded into the LM head), then the head.
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t j = 0; j < n; ++j) {
      const std::int64_t i = logits_start + j, src = c.logit_shift ? std::max<std::int64_t>(i - 1, 0) : i;
      cpu::rms_rows(x + (b * L + src) * D, D, xf + (b * n + j) * D, D, 1, D, c.rms_norm_eps);
    }
  torch::Tensor logits = torch::empty({B, n, E}, torch::kFloat32);
  if (B * n > 0) cpu_sgemm(/*trans_b=*/true, B * n, E, D, xf, D, pack.lm_head.data_ptr<float>(), D,
                           logits.data_ptr<float>(), E);
  return logits;
}

}  // namespace trafl::model
