// perf_safetensors: write / open+validate / read throughput of a LLaDA-shaped sharded checkpoint.
//   ninja -C build-ckpt perf_safetensors && build-ckpt/perf_safetensors [d_model] [n_layers] [dir]
// Defaults: d_model 1024, 8 layers, vocab 32768 (~168M BF16 params, ~336 MB) in a temp dir,
// shards of 100 MB. Reports: write MB/s (atomic, fsync'd), open+validate time (mmap, headers
// only), expect() over every parameter, and bf16 -> f32 conversion GB/s over the mapped data
// (page-cache warm: the file was just written).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "checkpoint/checkpoint.hpp"
#include "checkpoint/sharded.hpp"
#include "model/config.hpp"

using namespace trafl::checkpoint;
using Clock = std::chrono::steady_clock;

static double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

int main(int argc, char** argv) {
  trafl::model::ModelConfig cfg = trafl::model::llada_8b_config();
  cfg.d_model = argc > 1 ? std::atoll(argv[1]) : 1024;
  cfg.n_layers = argc > 2 ? std::atoll(argv[2]) : 8;
  cfg.n_heads = cfg.d_model / 128;
  cfg.n_kv_heads = cfg.n_heads;
  cfg.mlp_hidden_size = cfg.d_model * 3;
  cfg.vocab_size = cfg.embedding_size = 32768;
  cfg.mask_token_id = 32767;
  cfg.eos_token_ids = {32766};
  cfg.pad_token_id = 32766;
  trafl::model::validate_model_config(cfg, "perf");
  const std::string dir =
      argc > 3 ? argv[3]
               : (std::filesystem::temp_directory_path() / ("perf-st-" + std::to_string(::getpid()))).string();

  const auto specs = trafl::model::expected_tensors(cfg);
  std::vector<OwnedTensor> tensors;
  std::mt19937 rng(1);
  std::uint64_t bytes = 0;
  for (const TensorSpec& s : specs) {
    OwnedTensor t{s.name, DType::kBf16, s.shape,
                  std::vector<unsigned char>(static_cast<std::size_t>(shape_numel(s.shape)) * 2)};
    for (std::size_t i = 0; i < t.bytes.size(); i += 2) {
      const std::uint16_t v = f32_to_bf16(static_cast<float>(rng() % 2001) * 1e-5f - 0.01f);
      t.bytes[i] = static_cast<unsigned char>(v & 0xff);
      t.bytes[i + 1] = static_cast<unsigned char>(v >> 8);
    }
    bytes += t.bytes.size();
    tensors.push_back(std::move(t));
  }
  const double mb = static_cast<double>(bytes) / 1e6;
  std::printf("checkpoint: %zu tensors, %.1f MB BF16 (%lld params), dir %s\n", specs.size(), mb,
              static_cast<long long>(trafl::model::parameter_count(cfg)), dir.c_str());

  ShardingOptions opt;
  opt.max_shard_bytes = 100'000'000;
  auto t0 = Clock::now();
  const auto files = write_sharded(dir, tensors, opt);
  const double tw = seconds_since(t0);
  std::printf("write_sharded: %zu files, %.3f s, %.0f MB/s (fsync'd)\n", files.size(), tw, mb / tw);

  t0 = Clock::now();
  Checkpoint ck = Checkpoint::open(dir);
  const double to = seconds_since(t0);
  std::printf("open + validate: %.2f ms\n", to * 1e3);

  t0 = Clock::now();
  ck.check(specs, {DType::kBf16});
  std::vector<TensorView> views;
  for (const TensorSpec& s : specs) views.push_back(ck.expect(s.name, {DType::kBf16}, s.shape));
  ck.reject_unused();
  std::printf("check + expect all: %.2f ms\n", seconds_since(t0) * 1e3);

  std::vector<float> buf;
  double checksum = 0;
  t0 = Clock::now();
  for (const TensorView& v : views) {
    buf.resize(static_cast<std::size_t>(v.numel()));
    to_f32(v, buf.data());
    checksum += buf[buf.size() / 2];
  }
  const double tc = seconds_since(t0);
  std::printf("bf16 -> f32 over mapped data: %.3f s, %.2f GB/s of BF16 input (checksum %.6f)\n", tc, bytes / tc / 1e9,
              checksum);
  if (argc <= 3) std::filesystem::remove_all(dir);
  return 0;
}
