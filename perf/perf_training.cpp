// perf_training: training step time and tokens/s on a tiny LLaDA, for SFT and for one RL step of
// every objective (rollout time and update time separately), and the process's peak RSS.
//   ninja -C build perf_training && build/perf_training [d_model] [n_layers] [threads]
// Defaults: d_model 64, 4 layers, 2 threads. SFT: batch 8 × (prompt ≈ 20 + response 64 tokens).
// RL: 2 prompts × G 4, gen 32, 32 sampler steps, block 32.
// Baseline (same run): a bare forward + backward + AdamW step of the same SFT batch without the
// trainer; the ratio trainer/bare is the trainer's per-step overhead (data order, noise, metrics).
#include <sys/resource.h>
#include <unistd.h>

#include <ATen/Parallel.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/allocator.hpp"
#include "model/config.hpp"
#include "model/cpu_threads.hpp"
#include "model/llada.hpp"
#include "tokenizer/tokenizer.hpp"
#include "training/objective.hpp"
#include "training/seeds.hpp"
#include "training/sft.hpp"
#include "training/sft_data.hpp"
#include "training/trainer.hpp"

using namespace trafl;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

static double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

static double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

int main(int argc, char** argv) {
  keep_freed_memory_in_heap();  // as the CLI does (core/allocator.hpp)
  const std::int64_t d = argc > 1 ? std::atoll(argv[1]) : 64;
  const std::int64_t layers = argc > 2 ? std::atoll(argv[2]) : 4;
  const int threads = argc > 3 ? std::atoi(argv[3]) : 2;
  model::set_cpu_threads(threads);
  const fs::path dir = fs::temp_directory_path() / ("perf-train-" + std::to_string(::getpid()));
  fs::create_directories(dir);

  const model::ModelConfig cfg = model::tiny_byte_llada_config(d, layers, 2 * d, 512);
  model::write_model_config((dir / "config.json").string(), cfg);
  {
    std::ofstream out(dir / "train.jsonl");
    for (int i = 0; i < 64; ++i) {
      const int a = i % 9 + 1, b = i / 9 + 1;
      out << "{\"question\": \"What is " << a << " plus " << b << "?\", \"answer\": \"" << a << "+" << b << "=" << a + b
          << "\\n#### " << a + b << "\"}\n";
    }
  }
  std::printf("perf_training: d_model %lld, %lld layers, %d threads, %lld params\n", static_cast<long long>(d),
              static_cast<long long>(layers), threads, static_cast<long long>(model::parameter_count(cfg)));

  // ---- SFT through the trainer ----
  training::TrainConfig sft;
  sft.init_config = (dir / "config.json").string();
  sft.out = (dir / "sft").string();
  sft.task = "gsm8k";
  sft.data = (dir / "train.jsonl").string();
  sft.response_length = 64;
  sft.batch = 8;
  sft.steps = 12;
  sft.lr = 1e-3;
  sft.progress = false;
  sft.threads = threads;
  const training::TrainResult r = training::train(sft, false);
  double sft_s = 0, sft_tok = 0;
  int counted = 0;
  for (const auto& m : r.steps)
    if (m.step > 2) {  // skip warm-up steps
      sft_s += m.update_s;
      sft_tok += m.tokens_per_s;
      ++counted;
    }
  sft_s /= counted;
  sft_tok /= counted;

  // ---- baseline: the same batch shape, bare forward + backward + AdamW ----
  double bare_s = 0;
  {
    model::LLaDAModel m = model::LLaDAModel::load(sft.out);
    std::vector<torch::Tensor> params;
    for (auto& [n, p] : m.named_parameters()) params.push_back(p.requires_grad_(true));
    torch::optim::AdamW opt(params, torch::optim::AdamWOptions(1e-3));
    const tok::Tokenizer tk = tok::Tokenizer::from_file(sft.out + "/tokenizer.json");
    const auto set = training::tokenize_pairs(tk, training::read_task_pairs("gsm8k", sft.data, true), {true, 64});
    std::vector<const training::TokenizedExample*> rows;
    for (int i = 0; i < 8; ++i) rows.push_back(&set.examples[static_cast<std::size_t>(i)]);
    const training::SftBatch batch = training::make_sft_batch(rows, 257);
    for (int it = 0; it < 10; ++it) {
      const Clock::time_point t0 = Clock::now();
      opt.zero_grad();
      training::sft_loss(m, batch, training::draw_sft_noise(8, 64, it), 1e-3).loss.backward();
      opt.step();
      if (it >= 2) bare_s += seconds_since(t0);
    }
    bare_s /= 8;
  }
  std::printf("SFT   step %.2f ms  %.0f tok/s  (bare fwd+bwd+adamw %.2f ms; trainer/bare %.2fx)\n", sft_s * 1e3,
              sft_tok, bare_s * 1e3, sft_s / bare_s);

  // ---- one RL step per objective ----
  for (const std::string& method : training::objective_names()) {
    training::TrainConfig rl;
    rl.method = method;
    rl.model = sft.out;
    rl.out = (dir / ("rl-" + method)).string();
    rl.task = "gsm8k";
    rl.data = sft.data;
    rl.batch = 2;
    rl.group_size = 4;
    rl.gen_length = 32;
    rl.sampler_steps = 32;
    rl.block_length = 32;
    rl.steps = 3;
    rl.lr = 1e-4;
    rl.progress = false;
    rl.threads = threads;
    const auto t0 = Clock::now();
    const training::TrainResult rr = training::train_default(rl, false);
    const double total = seconds_since(t0);
    double roll = 0, upd = 0, gen_tok = 0;
    for (const auto& m : rr.steps)
      if (m.step > 1) {
        roll += m.rollout_s;
        upd += m.update_s;
        gen_tok += m.tokens_per_s;
      }
    const double n = static_cast<double>(rr.steps.size() - 1);
    std::printf(
        "%-10s step %.0f ms = rollout %.0f ms (%.0f gen tok/s) + update %.0f ms  (update/rollout %.2fx; run %.1f s)\n",
        method.c_str(), (roll + upd) / n * 1e3, roll / n * 1e3, gen_tok / n, upd / n * 1e3, upd / roll, total);
  }
  std::printf("peak RSS %.0f MB\n", peak_rss_mb());
  fs::remove_all(dir);
  return 0;
}
