// perf_sampler: LLaDA sampler throughput (exact mode) on a tiny random model, and the achieved
// GFLOP/s as a fraction of the measured matmul peak for the same shapes in the same run.
//   ninja -C build-torch perf_sampler && build-torch/perf_sampler [threads=2] [d_model=128] [layers=4]
// FLOPs counted per step (forward on the whole sequence, LM head on the current block only):
//   rows · ( L · layers · (2·(4d² + 3dm)) + layers · 4·L²·d + 2·d·V·BL )
// Peak: the best of the same model's weight GEMMs timed on their own ([rows·L, d] × [d, d] and
// [rows·L, d] × [d, m]).
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "model/llada.hpp"
#include "sampling/llada_sampler.hpp"

using namespace trafl;

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
  const std::int64_t d = argc > 2 ? std::atoll(argv[2]) : 128, layers = argc > 3 ? std::atoll(argv[3]) : 4;
  at::set_num_threads(threads);
  model::ModelConfig c = model::llada_8b_config();
  c.d_model = d;
  c.n_layers = layers;
  c.n_heads = 4;
  c.n_kv_heads = 4;
  c.mlp_hidden_size = 3 * d;
  c.vocab_size = 262;
  c.embedding_size = 264;
  c.max_sequence_length = 1024;
  c.rope_theta = 10000;
  c.mask_token_id = 261;
  c.eos_token_ids = {257};
  c.pad_token_id = 257;
  const model::LLaDAModel m = model::LLaDAModel::init(c, 1);
  sampling::SamplerOptions o;
  sampling::fill_token_ids(o, c);
  o.gen_length = 64;
  o.steps = 64;
  o.block_length = 32;
  o.temperature = 1.0;
  const std::int64_t Lp = 32, L = Lp + o.gen_length, V = c.embedding_size, m_h = c.mlp_hidden_size;
  std::vector<std::int64_t> prompt;
  for (std::int64_t i = 0; i < Lp; ++i) prompt.push_back((i * 7 + 3) % 250);
  std::printf("threads %d, d_model %ld, layers %ld, mlp %ld, vocab %ld, prompt %ld, gen %ld, steps %ld, block %ld\n",
              threads, (long)d, (long)layers, (long)m_h, (long)V, (long)Lp, (long)o.gen_length, (long)o.steps,
              (long)o.block_length);
  std::printf("%6s %12s %12s %10s %10s %8s\n", "batch", "tok/s", "ms/step", "GFLOP/s", "peak", "frac");
  for (std::int64_t B : {1, 16, 64}) {
    std::vector<std::vector<std::int64_t>> prompts(static_cast<std::size_t>(B), prompt);
    std::vector<sampling::SampleKey> keys;
    for (std::int64_t i = 0; i < B; ++i) keys.push_back({0, static_cast<std::uint64_t>(i)});
    sampling::sample(m, prompts, keys, o);  // warm-up
    const auto t0 = std::chrono::steady_clock::now();
    sampling::sample(m, prompts, keys, o);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double flops_step = static_cast<double>(B) *
                              (static_cast<double>(L * layers) * 2.0 * (4.0 * d * d + 3.0 * d * m_h) +
                               static_cast<double>(layers) * 4.0 * L * L * d + 2.0 * d * V * o.block_length);
    const double gflops = flops_step * o.steps / s / 1e9;
    // Matmul peak for the weight GEMM shapes of this batch.
    torch::NoGradGuard ng;
    double peak = 0;
    for (std::int64_t n : {d, m_h}) {
      torch::Tensor a = torch::randn({B * L, d}), w = torch::randn({n, d});
      torch::linear(a, w);
      const int reps = 20;
      const auto p0 = std::chrono::steady_clock::now();
      for (int r = 0; r < reps; ++r) torch::linear(a, w);
      const double ps = std::chrono::duration<double>(std::chrono::steady_clock::now() - p0).count();
      peak = std::max(peak, 2.0 * B * L * d * n * reps / ps / 1e9);
    }
    std::printf("%6ld %12.1f %12.2f %10.2f %10.2f %7.0f%%\n", (long)B, B * o.gen_length / s, 1e3 * s / o.steps,
                gflops, peak, 100.0 * gflops / peak);
  }
  return 0;
}
