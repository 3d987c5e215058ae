// perf_gpu: the engine's half of the GPU runbook (scripts/gpu-check builds and runs it; README
// "GPU runbook" says what it prints). Needs a CUDA LibTorch and a GPU; without one it says so and
// exits 2.
//   perf_gpu agree <model dir> [device=cuda]        greedy tokens, GPU (f32, bf16) against CPU f32
//   perf_gpu speed [device=cuda] [gen=128] [total GiB] [shape=8b]  sampler tokens/s for an LLaDA-8B-
//                                                    shaped model with random bf16 weights made on the
//                                                    device, and the largest batch that fits at gen 256
//                                                    and 512; shape "small" (d 256, 4 layers, byte vocab)
//                                                    runs the same code on a CPU, to check the runbook
//                                                    up to the point where it needs a GPU
// "agree": 8 fixed prompts, temperature 0, gen 64, 64 steps, block 32. f32 on the GPU must give the
// CPU's tokens exactly (argmax ties aside, which a trained model makes rare); bf16 is reported as
// the share of generated tokens equal to the CPU f32 ones.
// "speed": batch 1, 16, 64, one timed call each after a warm-up (a call at batch 64 is tens of
// seconds, so best-of adds little and costs the runbook's 10 minutes), exact (steps = gen) and fast
// mode (threshold 0.9 + prefix cache), prompt 64 tokens, block 32, temperature 0; peak GPU memory per
// batch, and per-row memory at gen 256 and 512, from the caching allocator when the build links
// c10_cuda (TRAFL_HAVE_C10_CUDA, set by CMakeLists.txt). scripts/gpu/llada_eager.py measures the
// PyTorch-eager baseline of the same algorithm on the same GPU.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#if TRAFL_HAVE_C10_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

#include "core/error.hpp"
#include "model/config.hpp"
#include "model/llada.hpp"
#include "sampling/llada_sampler.hpp"

using namespace trafl;

namespace {

double seconds(const std::function<void()>& f, const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index() < 0 ? -1 : device.index());
  const auto t0 = std::chrono::steady_clock::now();
  f();
  if (device.is_cuda()) torch::cuda::synchronize(device.index() < 0 ? -1 : device.index());
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Peak bytes the caching allocator handed out since the last reset; -1 when this build cannot tell.
double peak_gib(const torch::Device& device, bool reset) {
#if TRAFL_HAVE_C10_CUDA
  if (!device.is_cuda()) return -1;  // a CUDA build run on the CPU (shape "small"): no allocator to ask
  namespace alloc = c10::cuda::CUDACachingAllocator;
  const c10::DeviceIndex index = device.index() < 0 ? 0 : device.index();
  if (reset) {
    alloc::resetPeakStats(index);
    return 0;
  }
  const auto stats = alloc::getDeviceStats(index);
  // Index 0 is StatType::AGGREGATE, whose namespace moved between LibTorch versions (2.6:
  // c10::CachingDeviceAllocator; before: c10::cuda::CUDACachingAllocator); the index did not.
  return double(stats.allocated_bytes[0].peak) / double(1ull << 30);
#else
  (void)device, (void)reset;
  return -1;
#endif
}

// B fixed prompts of Lp ids in [1, min(vocab, mask id)), different per row.
std::vector<std::vector<std::int64_t>> prompts_of(std::int64_t B, std::int64_t Lp, const model::ModelConfig& c,
                                                  std::int64_t salt) {
  const std::int64_t bound = std::min(c.vocab_size, c.mask_token_id > 1 ? c.mask_token_id : c.vocab_size) - 1;
  std::vector<std::vector<std::int64_t>> p(static_cast<std::size_t>(B));
  for (std::int64_t r = 0; r < B; ++r)
    for (std::int64_t i = 0; i < Lp; ++i) p[r].push_back((i * 7919 + r * 104729 + salt) % bound + 1);
  return p;
}

std::vector<sampling::SampleKey> keys_of(std::int64_t B) {
  std::vector<sampling::SampleKey> k;
  for (std::int64_t r = 0; r < B; ++r) k.push_back({static_cast<std::uint64_t>(r), 0});
  return k;
}

int agree(const std::string& dir, const torch::Device& device) {
  const model::LLaDAModel cpu = model::LLaDAModel::load(dir);
  model::LoadOptions f32;
  f32.device = device;
  model::LoadOptions bf16 = f32;
  bf16.dtype = torch::kBFloat16;
  const model::LLaDAModel gpu = model::LLaDAModel::load(dir, f32), gpu_bf16 = model::LLaDAModel::load(dir, bf16);
  sampling::SamplerOptions o;
  sampling::fill_token_ids(o, cpu.config());
  o.gen_length = 64;
  o.steps = 64;
  o.block_length = 32;
  const auto prompts = prompts_of(8, 24, cpu.config(), 11);
  const auto keys = keys_of(8);
  const auto want = sampling::sample(cpu, prompts, keys, o);
  const auto got = sampling::sample(gpu, prompts, keys, o), got_bf16 = sampling::sample(gpu_bf16, prompts, keys, o);
  std::size_t same_rows = 0, equal = 0, total = 0;
  for (std::size_t r = 0; r < want.size(); ++r) {
    same_rows += got[r].tokens == want[r].tokens;
    for (std::size_t i = 0; i < want[r].tokens.size(); ++i) equal += got_bf16[r].tokens[i] == want[r].tokens[i];
    total += want[r].tokens.size();
  }
  std::printf("agree: greedy f32 on %s vs CPU: %zu of %zu rows identical%s\n", device.str().c_str(), same_rows,
              want.size(), same_rows == want.size() ? "" : "  <-- MISMATCH");
  std::printf("agree: bf16 on %s vs CPU f32: %.1f%% of %zu generated tokens equal\n", device.str().c_str(),
              100.0 * double(equal) / double(total), total);
  return same_rows == want.size() ? 0 : 1;
}

// LLaDA-8B-Base's shape (its config.json): d 4096, 32 layers, 32 heads, MLP 12288, vocab 126464.
model::ModelConfig llada_8b_shape() {
  model::ModelConfig c = model::tiny_byte_llada_config(4096, 32, 12288, 4096);
  c.n_heads = c.n_kv_heads = 32;
  c.vocab_size = c.embedding_size = 126464;
  c.mask_token_id = 126336;
  c.eos_token_ids = {126081};
  c.pad_token_id = 126081;
  c.rope_theta = 500000.0;
  return c;
}

// One exact-mode call at batch B and generation length gen with one step per block (memory, not
// speed: the peak is that of a single forward pass over the whole sequence); peak GiB, or -1 when it
// does not fit.
double peak_one_pass(const model::LLaDAModel& m, const torch::Device& device, std::int64_t B, std::int64_t gen) {
  sampling::SamplerOptions o;
  sampling::fill_token_ids(o, m.config());
  o.gen_length = gen;
  o.block_length = 32;
  o.steps = gen / 32;
  try {
    peak_gib(device, true);
    sampling::sample(m, prompts_of(B, 64, m.config(), 3), keys_of(B), o);
    return peak_gib(device, false);
  } catch (const c10::Error&) {  // c10::OutOfMemoryError derives from it
#if TRAFL_HAVE_C10_CUDA
    c10::cuda::CUDACachingAllocator::emptyCache();  // give the failed attempt's blocks back
#endif
    return -1;
  }
}

// The speed table's model: LLaDA-8B's shape in bf16 (what a GPU run measures), or "small" in f32 for the
// dry run on a CPU (LibTorch 1.13 has no fast bf16 matmul on every CPU; the dry run checks the code
// path, not the figures).
struct SpeedShape {
  const char* label;
  model::ModelConfig config;
  torch::Dtype dtype;
};

SpeedShape speed_shape(const std::string& name) {
  if (name == "8b") return {"LLaDA-8B-shaped model, random bf16", llada_8b_shape(), torch::kBFloat16};
  if (name == "small")
    return {"small model (d 256, 4 layers), random f32", model::tiny_byte_llada_config(256, 4, 512, 4096),
            torch::kFloat32};
  throw UsageError("speed: shape is 8b or small, not '" + name + "'");
}

int speed(const torch::Device& device, std::int64_t gen, double total_gib, const std::string& shape_name) {
  const SpeedShape shape = speed_shape(shape_name);
  model::LoadOptions opt;
  opt.device = device;
  opt.dtype = shape.dtype;
  const auto t0 = std::chrono::steady_clock::now();
  const model::LLaDAModel m = model::LLaDAModel::init(shape.config, 1, opt);  // one tensor at a time on the host
  std::printf("speed: %s weights on %s (made in %.0f s); gen %ld = steps, block 32, prompt 64, temperature 0\n",
              shape.label, device.str().c_str(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), (long)gen);
  std::printf("%6s %12s %12s %10s %10s %12s\n", "batch", "exact tok/s", "fast tok/s", "fast steps", "x exact",
              "peak GiB");
  sampling::SamplerOptions o;
  sampling::fill_token_ids(o, m.config());
  o.gen_length = o.steps = gen;
  o.block_length = 32;
  sampling::SamplerOptions fast = o;
  fast.fast = true;
  sampling::sample(m, prompts_of(1, 64, m.config(), 5), keys_of(1), o);  // warm-up (kernels, allocator)
  for (std::int64_t B : {1, 16, 64}) {
    const auto prompts = prompts_of(B, 64, m.config(), 5);
    const auto keys = keys_of(B);
    peak_gib(device, true);
    const double se = seconds([&] { sampling::sample(m, prompts, keys, o); }, device);
    const double peak = peak_gib(device, false);
    std::vector<sampling::Trajectory> ft;
    const double sf = seconds([&] { ft = sampling::sample(m, prompts, keys, fast); }, device);
    double fast_steps = 0;
    for (const auto& t : ft) fast_steps += t.steps;
    const double tok = double(B * gen);
    std::printf("%6ld %12.1f %12.1f %10.1f %9.2fx %12.2f\n", (long)B, tok / se, tok / sf,
                fast_steps / double(ft.size()), se / sf, peak);
  }
  // The largest batch that fits: peak memory is affine in the batch, so two small batches predict
  // it; the prediction is then run (halved until it fits).
  for (std::int64_t g : {std::int64_t(256), std::int64_t(512)}) {
    const double p1 = peak_one_pass(m, device, 1, g), p8 = peak_one_pass(m, device, 8, g);
    if (p1 < 0 || p8 < 0 || total_gib <= 0) {
      std::printf("fit: gen %ld: peak at batch 1 %.2f GiB, at 8 %.2f GiB (no total memory given: no prediction)\n",
                  (long)g, p1, p8);
      continue;
    }
    const double per_row = (p8 - p1) / 7.0;
    std::int64_t B = std::int64_t((0.97 * total_gib - (p1 - per_row)) / per_row);
    double peak = -1;
    while (B > 8 && (peak = peak_one_pass(m, device, B, g)) < 0) B /= 2;
    std::printf(
        "fit: gen %ld: %.3f GiB per row over %.2f GiB; largest batch that fits about %ld (ran: peak %.2f GiB of %.0f)\n",
        (long)g, per_row, p1 - per_row, (long)B, peak, total_gib);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const std::string mode = argc > 1 ? argv[1] : "";
  try {
    if (mode == "agree" && argc > 2) return agree(argv[2], model::parse_device(argc > 3 ? argv[3] : "cuda"));
    if (mode == "speed")
      return speed(model::parse_device(argc > 2 ? argv[2] : "cuda"), argc > 3 ? std::atoll(argv[3]) : 128,
                   argc > 4 ? std::atof(argv[4]) : 0.0, argc > 5 ? argv[5] : "8b");
  } catch (const UsageError& e) {
    std::fprintf(stderr, "perf_gpu: %s\n", e.what());
    return 2;
  }
  std::fprintf(stderr,
               "usage: perf_gpu agree <model dir> [device] | perf_gpu speed [device] [gen] [total GiB] [8b|small]\n");
  return 2;
}
